using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Engram.Models.Tests.Discovery;

/// <summary>
/// An <see cref="HttpListener"/> on 127.0.0.1 that serves one file at <see cref="Url"/>, honouring
/// <c>Range: bytes=N-</c> unless told not to, and optionally dropping the connection midway through the first response.
/// </summary>
public sealed class LoopbackFileServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _content;
    private readonly Task _loop;
    private int _requests;

    public LoopbackFileServer(byte[] content, int? dropFirstResponseAfter = null, bool ignoreRange = false)
    {
        _content = content;
        DropFirstResponseAfter = dropFirstResponseAfter;
        IgnoreRange = ignoreRange;

        // Ask the OS for a free port, then hand it to HttpListener (which cannot bind port 0 itself).
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{port}/model.gguf");
        _loop = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    public int? DropFirstResponseAfter { get; }

    public bool IgnoreRange { get; }

    /// <summary>The <c>Range</c> header of every request, in order (null when absent), and the status sent.</summary>
    public ConcurrentQueue<(string? Range, int Status)> Requests { get; } = new();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
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

            try
            {
                await RespondAsync(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client went away; the test sees its side of it.
            }
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        var first = Interlocked.Increment(ref _requests) == 1;
        var range = context.Request.Headers["Range"];
        var response = context.Response;
        long start = 0;
        var status = 200;
        if (!IgnoreRange && range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1]);
            if (start >= _content.Length)
            {
                Requests.Enqueue((range, 416));
                response.StatusCode = 416;
                response.Headers["Content-Range"] = $"bytes */{_content.Length}";
                response.Close();
                return;
            }

            status = 206;
            response.Headers["Content-Range"] = $"bytes {start}-{_content.Length - 1}/{_content.Length}";
        }

        Requests.Enqueue((range, status));
        response.StatusCode = status;
        response.ContentLength64 = _content.Length - start;
        var body = response.OutputStream;
        if (first && DropFirstResponseAfter is { } dropAfter)
        {
            await body.WriteAsync(_content.AsMemory((int)start, dropAfter));
            await body.FlushAsync();
            response.Abort();
            return;
        }

        await body.WriteAsync(_content.AsMemory((int)start));
        response.Close();
    }
}
