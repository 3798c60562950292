using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engram.Models.Tests.Providers.Remote;

/// <summary>One request the fake server received.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A scripted answer: status, extra headers, content type and body (written in one piece).</summary>
public sealed record FakeResponse(int Status, string Body, string ContentType = "application/json", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// An HTTP server on 127.0.0.1 and a free port that answers every request with <c>respond</c> and records it.
/// Disposing stops it; it also stops itself after 30 s (or the lifetime given) so a failed test never leaves it running.
/// </summary>
public sealed class FakeHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<RecordedRequest, FakeResponse> _respond;
    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;

    public FakeHttpServer(Func<RecordedRequest, FakeResponse> respond)
        : this(respond, FreePort(), TimeSpan.FromSeconds(30))
    {
    }

    private FakeHttpServer(Func<RecordedRequest, FakeResponse> respond, int port, TimeSpan lifetime)
    {
        _respond = respond;
        _stop = new CancellationTokenSource(lifetime);
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUri.ToString());
        _listener.Start();
        _stop.Token.Register(() => _listener.Close());
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    /// <summary>
    /// A server on <paramref name="port"/> when it is free (inputs that name a port verbatim), else on any free port,
    /// that stops itself after <paramref name="lifetime"/>.
    /// </summary>
    public static FakeHttpServer OnPortIfFree(int port, TimeSpan lifetime, Func<RecordedRequest, FakeResponse> respond)
    {
        try
        {
            return new FakeHttpServer(respond, port, lifetime);
        }
        catch (HttpListenerException)
        {
            return new FakeHttpServer(respond, FreePort(), lifetime);
        }
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Uri At(string relative) => new(BaseUri, relative);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
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
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync();
            }

            var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            var request = new RecordedRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, headers, body);
            Requests.Enqueue(request);

            var response = _respond(request);
            context.Response.StatusCode = response.Status;
            context.Response.ContentType = response.ContentType;
            foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }

            var bytes = Encoding.UTF8.GetBytes(response.Body);
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The client went away or the server is stopping.
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
