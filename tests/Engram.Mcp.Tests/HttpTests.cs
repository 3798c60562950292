using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Engram.Mcp.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace Engram.Mcp.Tests;

public sealed class HttpTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    [Fact]
    public async Task The_http_endpoint_requires_the_token_and_checks_host_origin_and_size()
    {
        await using var host = await McpTestHost.StartAsync();
        var token = McpHttpOptions.GenerateToken();
        await using var server = await HttpServer.StartAsync(host, new McpHttpOptions("127.0.0.1", 0, token));
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Post(server.Url, null))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Post(server.Url, "wrong-" + token))).StatusCode);

        var rebinding = Post(server.Url, token);
        rebinding.Headers.Host = $"attacker.example:{server.Url.Port}";
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(rebinding)).StatusCode);

        var otherPort = Post(server.Url, token);
        otherPort.Headers.Host = $"localhost:{server.Url.Port + 1}";
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(otherPort)).StatusCode);

        var origin = Post(server.Url, token);
        origin.Headers.Add("Origin", "http://attacker.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(origin)).StatusCode);

        var huge = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new ByteArrayContent(new byte[5 * 1024 * 1024]) };
        huge.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        huge.Headers.ExpectContinue = true; // The server refuses on Content-Length; the body is never sent.
        huge.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await http.SendAsync(huge)).StatusCode);

        var good = Post(server.Url, token);
        good.Headers.Add("Origin", $"http://localhost:{server.Url.Port}");
        var response = await http.SendAsync(good);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"serverInfo\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_sdk_client_uses_every_tool_over_streamable_http_with_the_token()
    {
        await using var host = await McpTestHost.StartAsync();
        var token = McpHttpOptions.GenerateToken();
        await using var server = await HttpServer.StartAsync(host, new McpHttpOptions("127.0.0.1", 0, token));
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = server.Url,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        await using var client = await McpClient.CreateAsync(transport);
        Assert.Equal(15, (await client.ListToolsAsync()).Count);
        var hits = (await client.CallAsync("search_code", new { query = "ShippingRates cost" })).Json().GetProperty("hits");
        Assert.Equal("src/Shipping/ShippingRates.cs", hits[0].GetProperty("path").GetString());
        var escape = await client.CallAsync("read_code", new { path = "../../etc/passwd", start_line = 1, end_line = 1 });
        Assert.True(escape.IsError);
    }

    [Theory]
    [InlineData("0.0.0.0", false, false, "not a loopback address")]
    [InlineData("0.0.0.0", true, true, "only allowed on a loopback address")]
    [InlineData("example.com", false, false, "not an IP address or localhost")]
    public async Task Unsafe_listening_configurations_are_refused(string address, bool allowRemote, bool noAuth, string message)
    {
        await using var host = await McpTestHost.StartAsync(index: false);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            EngramMcpHttp.RunAsync(host.Services, new McpHttpOptions(address, 0, noAuth ? null : "t", noAuth, allowRemote), LogLevel.None, null, CancellationToken.None));
        Assert.Contains(message, ex.Message);
    }

    private static HttpRequestMessage Post(Uri url, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private sealed class HttpServer : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _run = Task.CompletedTask;

        public Uri Url { get; private set; } = null!;

        public static async Task<HttpServer> StartAsync(McpTestHost host, McpHttpOptions options)
        {
            var server = new HttpServer();
            var started = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            server._run = EngramMcpHttp.RunAsync(host.Services, options, LogLevel.Warning, started.SetResult, server._stop.Token);
            server.Url = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run;
            _stop.Dispose();
        }
    }
}
