using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engram.Models.Tests.Providers.Remote;

/// <summary>
/// A raw TCP server on 127.0.0.1 for faults <see cref="FakeHttpServer"/> cannot produce (a reset mid-body, a stream
/// that stalls): it reads each request's head and body, then hands the connection to <c>respond</c>, which writes raw
/// bytes. Every connection is closed afterwards (the responses say <c>Connection: close</c>). Stops itself after 30 s.
/// </summary>
public sealed class FaultInjectionServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Socket, NetworkStream, CancellationToken, Task> _respond;
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
    private readonly Task _loop;
    private int _requests;

    public FaultInjectionServer(Func<Socket, NetworkStream, CancellationToken, Task> respond)
    {
        _respond = respond;
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    public int Requests => Volatile.Read(ref _requests);

    public Uri At(string relative) => new(BaseUri, relative);

    /// <summary>The head of a 200 response with the given content type and, when not null, length.</summary>
    public static byte[] Head(string contentType, int? contentLength) => Encoding.ASCII.GetBytes(
        $"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nConnection: close\r\n{(contentLength is { } n ? $"Content-Length: {n}\r\n" : "")}\r\n");

    /// <summary>Aborts the connection with a TCP reset instead of an orderly close.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(socket));
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: true);
            var head = new List<byte>();
            var one = new byte[1];
            while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                if (await stream.ReadAsync(one, _stop.Token) == 0)
                {
                    return;
                }

                head.Add(one[0]);
            }

            var text = Encoding.ASCII.GetString([.. head]);
            var length = text.Split("\r\n").Where(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
                .Select(l => int.Parse(l["content-length:".Length..].Trim())).FirstOrDefault();
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, _stop.Token);
            Interlocked.Increment(ref _requests);
            await _respond(socket, stream, _stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away, the handler reset the connection, or the server is stopping.
        }
    }
}
