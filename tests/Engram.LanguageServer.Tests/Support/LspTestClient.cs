using System.Collections.Concurrent;
using System.Text.Json;
using Engram.Features.Hosting;
using Microsoft.Extensions.AI;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Nerdbank.Streams;
using StreamJsonRpc;

namespace Engram.LanguageServer.Tests.Support;

/// <summary>
/// Drives <see cref="LanguageServerHost"/> in process over an in-memory full-duplex stream (or the real
/// <c>engram lsp</c> process over its stdio, <see cref="StartProcess"/>), as an LSP client made with StreamJsonRpc:
/// answers the server's requests (applyEdit, configuration, registerCapability, progress tokens, showDocument) and
/// records every notification.
/// </summary>
public sealed class LspTestClient : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly JsonRpc _rpc;
    private readonly System.Diagnostics.Process? _process;
    private readonly System.Text.StringBuilder _stderr = new();

    private LspTestClient(Stream stream, Task<int> server)
        : this(stream, stream, server, null)
    {
    }

    private LspTestClient(Stream sending, Stream receiving, Task<int> server, System.Diagnostics.Process? process)
    {
        Server = server;
        _process = process;
        _rpc = new JsonRpc(new HeaderDelimitedMessageHandler(sending, receiving, new SystemTextJsonFormatter()));
        _rpc.AddLocalRpcTarget(new ClientTarget(this));
        _rpc.StartListening();
    }

    /// <summary>What the real process wrote to stderr so far (empty in process).</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public Task<int> Server { get; }

    public ConcurrentQueue<(string Method, JsonElement Params)> Notifications { get; } = new();

    public ConcurrentQueue<JsonElement> AppliedEdits { get; } = new();

    public ConcurrentQueue<JsonElement> Registrations { get; } = new();

    /// <summary>What the client answers to workspace/configuration (one item per requested section).</summary>
    public JsonElement? Configuration { get; set; }

    /// <summary>Starts a server with <paramref name="options"/> and connects to it (not initialized yet).</summary>
    public static LspTestClient Start(LspServerOptions options)
    {
        var (clientStream, serverStream) = FullDuplexStream.CreatePair();
        var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var server = Task.Run(() => LanguageServerHost.RunAsync(serverStream, serverStream, options, stop.Token));
        return new LspTestClient(clientStream, server);
    }

    /// <summary>Starts the real executable described by <paramref name="info"/> (stdio redirected here) and connects to it.</summary>
    public static LspTestClient StartProcess(System.Diagnostics.ProcessStartInfo info)
    {
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
        var exited = process.WaitForExitAsync().ContinueWith(_ => process.ExitCode, TaskScheduler.Default);
        var client = new LspTestClient(process.StandardInput.BaseStream, process.StandardOutput.BaseStream, exited, process);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (client._stderr)
            {
                client._stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>Options for a lexical-only workspace in <paramref name="folder"/> with the given chat client (null: no model configured).</summary>
    public static LspServerOptions Options(TempFolder folder, IChatClient? chat = null) => new()
    {
        IndexDirectory = folder.IndexDirectory,
        LexicalOnly = true,
        IndexDebounce = TimeSpan.FromMilliseconds(50),
        ReviewDebounce = TimeSpan.FromMilliseconds(50),
        ModelsFactory = root => chat is null
            ? new EngramModels(root, EngramConfig.Empty, new InMemoryUsageLedger())
            : new EngramModels(root, new EngramConfig
            {
                Models =
                [
                    new ModelDefinition
                    {
                        Name = "fake",
                        Provider = ModelProvider.Fake,
                        Capabilities = [ModelCapability.Fim, ModelCapability.Chat, ModelCapability.Code, ModelCapability.Review, ModelCapability.Completion],
                    },
                ],
            }, new InMemoryUsageLedger(), _ => chat),
    };

    /// <summary>Sends initialize (with the given capabilities and initializationOptions) and initialized; returns the result.</summary>
    public async Task<JsonElement> InitializeAsync(TempFolder? folder, object? capabilities = null, object? initializationOptions = null)
    {
        var result = await RequestAsync("initialize", new
        {
            processId = Environment.ProcessId,
            clientInfo = new { name = "engram-tests" },
            rootUri = folder?.Uri,
            workspaceFolders = folder is null ? null : new[] { new { uri = folder.Uri, name = "ws" } },
            capabilities = capabilities ?? new
            {
                workspace = new { applyEdit = true, configuration = true, didChangeWatchedFiles = new { dynamicRegistration = true } },
                window = new { workDoneProgress = true },
            },
            initializationOptions = initializationOptions ?? new { inlineCompletion = new { debounceMs = 0 } },
        });
        await NotifyAsync("initialized", new { });
        return result;
    }

    public Task<JsonElement> RequestAsync(string method, object? parameters, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        return parameters is null
            ? _rpc.InvokeWithCancellationAsync<JsonElement>(method, [], cancellationToken)
            : _rpc.InvokeWithParameterObjectAsync<JsonElement>(method, parameters, cancellationToken);
    }

    public Task NotifyAsync(string method, object? parameters) =>
        parameters is null ? _rpc.NotifyAsync(method) : _rpc.NotifyWithParameterObjectAsync(method, parameters);

    /// <summary>The error code a request fails with (fails the test when it succeeds).</summary>
    public async Task<int> ErrorCodeAsync(string method, object? parameters)
    {
        var ex = await Assert.ThrowsAnyAsync<RemoteRpcException>(() => RequestAsync(method, parameters));
        return ex switch
        {
            RemoteInvocationException invocation => invocation.ErrorCode,
            RemoteMethodNotFoundException notFound => (int)notFound.ErrorCode,
            _ => throw new InvalidOperationException($"Unexpected {ex.GetType().Name}: {ex.Message}"),
        };
    }

    public Task OpenAsync(string uri, string text, string languageId = "csharp", int version = 1) =>
        NotifyAsync("textDocument/didOpen", new { textDocument = new { uri, languageId, version, text } });

    /// <summary>Waits until a notification matching <paramref name="predicate"/> has arrived (or fails after <paramref name="seconds"/>).</summary>
    public async Task<JsonElement> WaitForNotificationAsync(string method, Func<JsonElement, bool>? predicate = null, double seconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            foreach (var (m, p) in Notifications)
            {
                if (m == method && (predicate?.Invoke(p) ?? true))
                {
                    return p;
                }
            }

            try
            {
                await _arrived.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No {method} notification matched within {seconds} s. Got: {string.Join(", ", Notifications.Select(n => n.Method))}");
            }
        }
    }

    /// <summary>shutdown then exit; returns the server's exit code.</summary>
    public async Task<int> ShutdownAsync()
    {
        await RequestAsync("shutdown", null);
        await NotifyAsync("exit", null);
        return await Server.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (!Server.IsCompleted)
        {
            try
            {
                await NotifyAsync("exit", null);
                await Server.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException or TimeoutException)
            {
            }
        }

        _rpc.Dispose();
        _stop.Dispose();
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }

    private void Record(string method, JsonElement parameters)
    {
        Notifications.Enqueue((method, parameters.Clone()));
        _arrived.Release();
    }

    /// <summary>The client's side of the server-to-client methods.</summary>
    private sealed class ClientTarget(LspTestClient client)
    {
        [JsonRpcMethod("window/logMessage", UseSingleObjectParameterDeserialization = true)]
        public void LogMessage(JsonElement p) => client.Record("window/logMessage", p);

        [JsonRpcMethod("window/showMessage", UseSingleObjectParameterDeserialization = true)]
        public void ShowMessage(JsonElement p) => client.Record("window/showMessage", p);

        [JsonRpcMethod("$/progress", UseSingleObjectParameterDeserialization = true)]
        public void Progress(JsonElement p) => client.Record("$/progress", p);

        [JsonRpcMethod("$/logTrace", UseSingleObjectParameterDeserialization = true)]
        public void LogTrace(JsonElement p) => client.Record("$/logTrace", p);

        [JsonRpcMethod("textDocument/publishDiagnostics", UseSingleObjectParameterDeserialization = true)]
        public void PublishDiagnostics(JsonElement p) => client.Record("textDocument/publishDiagnostics", p);

        [JsonRpcMethod("engram/status", UseSingleObjectParameterDeserialization = true)]
        public void Status(JsonElement p) => client.Record("engram/status", p);

        [JsonRpcMethod("workspace/applyEdit", UseSingleObjectParameterDeserialization = true)]
        public object ApplyEdit(JsonElement p)
        {
            client.AppliedEdits.Enqueue(p.Clone());
            return new { applied = true };
        }

        [JsonRpcMethod("workspace/configuration", UseSingleObjectParameterDeserialization = true)]
        public object?[] Configuration(JsonElement p) =>
            p.GetProperty("items").EnumerateArray().Select(_ => (object?)client.Configuration).ToArray();

        [JsonRpcMethod("client/registerCapability", UseSingleObjectParameterDeserialization = true)]
        public object? RegisterCapability(JsonElement p)
        {
            client.Registrations.Enqueue(p.Clone());
            return null;
        }

        [JsonRpcMethod("window/workDoneProgress/create", UseSingleObjectParameterDeserialization = true)]
        public object? CreateProgress(JsonElement p)
        {
            _ = p;
            return null;
        }

        [JsonRpcMethod("window/showDocument", UseSingleObjectParameterDeserialization = true)]
        public object ShowDocument(JsonElement p)
        {
            client.Record("window/showDocument", p);
            return new { success = true };
        }
    }
}
