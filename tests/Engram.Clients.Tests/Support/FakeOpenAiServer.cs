using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Engram.Clients.Tests.Support;

/// <summary>
/// A scripted OpenAI-compatible chat endpoint on loopback (<c>POST /v1/chat/completions</c>, plain and streamed), so
/// that the real <c>engram lsp</c> process gets deterministic model answers through its real <c>openai</c> provider.
/// Each request's body is matched against <see cref="Rules"/> in order; the first rule whose predicate holds answers.
/// </summary>
internal sealed class FakeOpenAiServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly List<string> _requests = [];

    public FakeOpenAiServer(IEnumerable<(Func<string, bool> When, string Reply)> rules)
    {
        Rules = rules.ToList();
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Rules tried in order; the body is the request JSON text. Unmatched requests get "ok".</summary>
    public List<(Func<string, bool> When, string Reply)> Rules { get; }

    public int Port { get; }

    /// <summary>The base URL to configure as the model's endpoint (with the <c>/v1</c> segment).</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}/v1";

    /// <summary>Bodies of the chat requests received so far.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToList();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            if (!context.Request.Url!.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 404;
                context.Response.Close();
                return;
            }

            lock (_requests)
            {
                _requests.Add(body);
            }

            var reply = Rules.FirstOrDefault(r => r.When(body)).Reply ?? "ok";
            var request = JsonNode.Parse(body);
            var model = request?["model"]?.GetValue<string>() ?? "fake";
            var stream = request?["stream"]?.GetValue<bool>() ?? false;
            var promptTokens = Math.Max(1, body.Length / 4);
            var completionTokens = Math.Max(1, reply.Length / 4);
            var usage = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens };
            byte[] bytes;
            if (stream)
            {
                context.Response.ContentType = "text/event-stream";
                var sb = new StringBuilder();
                sb.Append("data: ").Append(Chunk(model, new JsonObject { ["role"] = "assistant", ["content"] = reply }, null, null).ToJsonString()).Append("\n\n");
                sb.Append("data: ").Append(Chunk(model, new JsonObject(), "stop", usage).ToJsonString()).Append("\n\n");
                sb.Append("data: [DONE]\n\n");
                bytes = Encoding.UTF8.GetBytes(sb.ToString());
            }
            else
            {
                context.Response.ContentType = "application/json";
                var response = new JsonObject
                {
                    ["id"] = "chatcmpl-fake",
                    ["object"] = "chat.completion",
                    ["created"] = 1_700_000_000,
                    ["model"] = model,
                    ["choices"] = new JsonArray(new JsonObject
                    {
                        ["index"] = 0,
                        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply },
                        ["finish_reason"] = "stop",
                    }),
                    ["usage"] = usage,
                };
                bytes = Encoding.UTF8.GetBytes(response.ToJsonString());
            }

            context.Response.StatusCode = 200;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or JsonException)
        {
            try
            {
                context.Response.Abort();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static JsonObject Chunk(string model, JsonObject delta, string? finishReason, JsonObject? usage)
    {
        var chunk = new JsonObject
        {
            ["id"] = "chatcmpl-fake",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };
        if (usage is not null)
        {
            chunk["usage"] = usage;
        }

        return chunk;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }
}
