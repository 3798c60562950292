using System.Text;
using System.Text.Json;
using Nerdbank.Streams;

namespace Engram.LanguageServer.Tests.Support;

/// <summary>
/// Talks to the in-process server with raw bytes, and reads its output strictly: every byte must belong to a
/// <c>Content-Length</c> frame whose body is one JSON object (anything else fails the test).
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly List<JsonElement> _received = [];

    private RawConnection(Stream stream, Task<int> server)
    {
        _stream = stream;
        Server = server;
    }

    public Task<int> Server { get; }

    public static RawConnection Start(LspServerOptions options)
    {
        var (client, server) = FullDuplexStream.CreatePair();
        var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return new RawConnection(client, Task.Run(() => LanguageServerHost.RunAsync(server, server, options, stop.Token)));
    }

    public async Task WriteAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public Task WriteAsync(string text) => WriteAsync(Encoding.UTF8.GetBytes(text));

    public Task SendAsync(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        return WriteAsync([.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), .. body]);
    }

    public Task SendAsync(object message) => SendAsync(JsonSerializer.Serialize(message));

    /// <summary>Reads frames until the response with <paramref name="id"/> (a JSON literal such as <c>7</c> or <c>null</c>) arrives.</summary>
    public async Task<JsonElement> ResponseAsync(string id, double seconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            var message = await ReadFrameAsync(timeout.Token);
            if (!message.TryGetProperty("method", out _) && message.TryGetProperty("id", out var actual) && actual.GetRawText() == id)
            {
                return message;
            }
        }
    }

    public async Task<JsonElement> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var header = new StringBuilder();
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var b = await ReadByteAsync(cancellationToken);
            Assert.True(b < 128, $"non-ASCII byte {b} in a header: the output has bytes outside frames");
            header.Append((char)b);
            Assert.True(header.Length < 200, $"header too long or junk on the output: {header}");
        }

        var lines = header.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.Matches("^(Content-Length|Content-Type): ", l));
        var length = int.Parse(lines.Single(l => l.StartsWith("Content-Length: ", StringComparison.Ordinal))["Content-Length: ".Length..]);
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await _stream.ReadAsync(body.AsMemory(read), cancellationToken);
            Assert.True(n > 0, "output ended inside a frame");
            read += n;
        }

        var element = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(JsonValueKind.Object, element.ValueKind);
        Assert.Equal("2.0", element.GetProperty("jsonrpc").GetString());
        _received.Add(element);
        return element;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Server.IsCompleted)
        {
            await SendAsync("""{"jsonrpc":"2.0","method":"exit"}""");
            await Server.WaitAsync(TimeSpan.FromSeconds(30));
        }

        await _stream.DisposeAsync();
    }

    /// <summary>Closes the client's end without sending exit (the input ends).</summary>
    public async Task DisposeStreamOnlyAsync() => await _stream.DisposeAsync();

    private async Task<byte> ReadByteAsync(CancellationToken cancellationToken)
    {
        var one = new byte[1];
        var n = await _stream.ReadAsync(one, cancellationToken);
        Assert.True(n == 1, "output ended");
        return one[0];
    }
}
