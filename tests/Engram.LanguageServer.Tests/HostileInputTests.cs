using System.Text;
using Engram.LanguageServer.Tests.Support;

namespace Engram.LanguageServer.Tests;

/// <summary>Bad bytes on the wire get the specification's error and never end the connection.</summary>
public sealed class HostileInputTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}""";

    [Theory]
    // Invalid JSON.
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":""", "null", -32700)]
    [InlineData("""{"jsonrpc":"2.0","id":5} trailing""", "null", -32700)]
    // JSON but not a JSON-RPC message.
    [InlineData("""[{"jsonrpc":"2.0","id":5,"method":"shutdown"}]""", "null", -32600)]
    [InlineData("42", "null", -32600)]
    [InlineData("""{"jsonrpc":"1.0","id":5,"method":"shutdown"}""", "5", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":{"x":1},"method":"shutdown"}""", "null", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":7}""", "5", -32600)]
    // Unknown method and params of the wrong shape.
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"no/such"}""", "5", -32601)]
    [InlineData("""{"jsonrpc":"2.0","id":"five","method":"textDocument/hover","params":3}""", "\"five\"", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"textDocument/hover"}""", "5", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"textDocument/hover","params":[1,2,3]}""", "5", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"textDocument/inlineCompletion","params":{"textDocument":{"uri":"file:///x.cs"},"position":{"line":"zero","character":0}}}""", "5", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"workspace/executeCommand","params":{}}""", "5", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"textDocument/completion","params":{"textDocument":[],"position":"x"}}""", "5", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"workspace/executeCommand","params":{"command":"engram.generateDocs","arguments":["file:///nope.cs","not a position"]}}""", "5", -32602)]
    public async Task BadMessagesAreAnsweredAndTheConnectionSurvives(string body, string id, int code)
    {
        using var folder = new TempFolder();
        await using var connection = RawConnection.Start(LspTestClient.Options(folder));
        await connection.SendAsync(Initialize);
        await connection.ResponseAsync("1");

        await connection.SendAsync(body);
        var error = await connection.ResponseAsync(id);
        Assert.Equal(code, error.GetProperty("error").GetProperty("code").GetInt32());

        await AssertAliveAsync(connection);
    }

    // Issue 11 item 4: invalid UTF-8 (0xFF, a truncated sequence, an encoded surrogate) or an escaped lone surrogate in
    // method, a string id or jsonrpc used to end the process with exit code 1 and no reply.
    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x\xFF\"}", "null", -32700)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":\"a\xFF\",\"method\":\"shutdown\"}", "null", -32700)]
    [InlineData("{\"jsonrpc\":\"2.0\xC3\",\"id\":2,\"method\":\"shutdown\"}", "null", -32700)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x\xED\xA0\x80\"}", "null", -32700)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x\\ud800\"}", "2", -32600)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":\"\\ud800\",\"method\":\"shutdown\"}", "null", -32600)]
    [InlineData("{\"jsonrpc\":\"2.0\\udc00\",\"id\":2,\"method\":\"shutdown\"}", "2", -32600)]
    public async Task InvalidUnicodeInMethodIdOrVersionIsAnsweredAndTheServerKeepsServing(string latin1Body, string id, int code)
    {
        using var folder = new TempFolder();
        await using var connection = RawConnection.Start(LspTestClient.Options(folder));
        await connection.SendAsync(Initialize);
        await connection.ResponseAsync("1");

        // Each char of the test data is one byte on the wire (so 0xFF stays the invalid byte 0xFF).
        var body = System.Text.Encoding.Latin1.GetBytes(latin1Body);
        await connection.WriteAsync([.. System.Text.Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), .. body]);
        var error = await connection.ResponseAsync(id);
        Assert.Equal(code, error.GetProperty("error").GetProperty("code").GetInt32());

        await AssertAliveAsync(connection);
        Assert.False(connection.Server.IsCompleted);
    }

    [Theory]
    [InlineData("Content-Length: abc\r\n\r\n{}")]
    [InlineData("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}")]
    [InlineData("Content-Length 12\r\n\r\n{\"junk\":true}")]
    [InlineData("Content-Length: 2\r\nContent-Type: text/plain; charset=latin1\r\n\r\n{}")]
    [InlineData("garbage without any header at all\r\n\r\n")]
    public async Task MalformedHeadersGetParseErrorAndReadingResynchronises(string bytes)
    {
        using var folder = new TempFolder();
        await using var connection = RawConnection.Start(LspTestClient.Options(folder));
        await connection.SendAsync(Initialize);
        await connection.ResponseAsync("1");

        await connection.WriteAsync(bytes);
        var error = await connection.ResponseAsync("null");
        Assert.Equal(-32700, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.StartsWith("Malformed header", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        await AssertAliveAsync(connection);
    }

    [Fact]
    public async Task AMessageOverTheLimitIsSkippedWithoutBufferingAndALargeOneUnderItWorks()
    {
        using var folder = new TempFolder();
        var options = LspTestClient.Options(folder) with { MaxMessageBytes = 1024 * 1024 };
        await using var connection = RawConnection.Start(options);
        await connection.SendAsync(Initialize);
        await connection.ResponseAsync("1");

        // 2 MiB body: over the limit.
        var huge = new StringBuilder("""{"jsonrpc":"2.0","id":9,"method":"textDocument/didOpen","params":{"text":" """).Append('x', 2 * 1024 * 1024).Append("\"}}").ToString();
        await connection.SendAsync(huge);
        var error = await connection.ResponseAsync("null");
        Assert.Equal(-32600, error.GetProperty("error").GetProperty("code").GetInt32());

        // 600 KB document: under it, opened and served.
        var text = new StringBuilder().Insert(0, "alpha beta gamma\n", 35_000).Append("alp").ToString();
        await connection.SendAsync(new { jsonrpc = "2.0", method = "textDocument/didOpen", @params = new { textDocument = new { uri = folder.FileUri("big.txt"), languageId = "plaintext", version = 1, text } } });
        await connection.SendAsync(new { jsonrpc = "2.0", id = 10, method = "textDocument/hover", @params = new { textDocument = new { uri = folder.FileUri("big.txt") }, position = new { line = 35_000, character = 3 } } });
        var hover = await connection.ResponseAsync("10");
        Assert.False(hover.TryGetProperty("error", out _));

        await AssertAliveAsync(connection);
    }

    [Fact]
    public async Task RequestsBeforeInitializeGetServerNotInitializedAndNotificationsAreDropped()
    {
        using var folder = new TempFolder();
        await using var connection = RawConnection.Start(LspTestClient.Options(folder));
        await connection.SendAsync("""{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///x","languageId":"c","version":1,"text":""}}}""");
        await connection.SendAsync("""{"jsonrpc":"2.0","id":3,"method":"textDocument/completion","params":{}}""");
        var error = await connection.ResponseAsync("3");
        Assert.Equal(-32002, error.GetProperty("error").GetProperty("code").GetInt32());
        await connection.SendAsync(Initialize);
        await connection.ResponseAsync("1");
        await AssertAliveAsync(connection);
    }

    [Fact]
    public async Task FramesSplitAcrossReadsAndBackToBackFramesAreBothRead()
    {
        using var folder = new TempFolder();
        await using var connection = RawConnection.Start(LspTestClient.Options(folder));
        var initialize = Encoding.UTF8.GetBytes($"Content-Length: {Encoding.UTF8.GetByteCount(Initialize)}\r\n\r\n{Initialize}");
        foreach (var b in initialize)
        {
            await connection.WriteAsync([b]);
        }

        await connection.ResponseAsync("1");
        const string first = """{"jsonrpc":"2.0","id":"a","method":"workspace/executeCommand","params":{"command":"engram.status"}}""";
        const string second = """{"jsonrpc":"2.0","id":"b","method":"workspace/executeCommand","params":{"command":"engram.usage"}}""";
        await connection.WriteAsync($"Content-Length: {first.Length}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{first}Content-Length: {second.Length}\r\n\r\n{second}");
        Assert.True((await connection.ResponseAsync("\"a\"")).TryGetProperty("result", out _));
        Assert.True((await connection.ResponseAsync("\"b\"")).TryGetProperty("result", out _));
    }

    [Fact]
    public async Task CancelRequestAnswersRequestCancelledOnTheWire()
    {
        using var folder = new TempFolder();
        var chat = new FakeChatClient(_ => "never") { Gate = new TaskCompletionSource() };
        await using var connection = RawConnection.Start(LspTestClient.Options(folder, chat));
        await connection.SendAsync(Initialize);
        await connection.ResponseAsync("1");
        await connection.SendAsync("""{"jsonrpc":"2.0","method":"initialized","params":{}}""");
        await connection.SendAsync(new { jsonrpc = "2.0", method = "textDocument/didOpen", @params = new { textDocument = new { uri = folder.FileUri("a.cs"), languageId = "csharp", version = 1, text = "var x = " } } });
        await connection.SendAsync(new { jsonrpc = "2.0", id = 42, method = "textDocument/inlineCompletion", @params = new { textDocument = new { uri = folder.FileUri("a.cs") }, position = new { line = 0, character = 8 }, context = new { triggerKind = 1 } } });
        while (chat.Prompts.Count == 0)
        {
            await Task.Yield();
        }

        await connection.SendAsync("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":42}}""");
        var response = await connection.ResponseAsync("42");
        Assert.Equal(-32800, response.GetProperty("error").GetProperty("code").GetInt32());
        await AssertAliveAsync(connection);
    }

    [Fact]
    public async Task InputEndingWithoutExitStopsTheServerWithOne()
    {
        using var folder = new TempFolder();
        var connection = RawConnection.Start(LspTestClient.Options(folder));
        await connection.SendAsync(Initialize);
        await connection.ResponseAsync("1");
        await connection.DisposeStreamOnlyAsync();
        Assert.Equal(1, await connection.Server.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private static async Task AssertAliveAsync(RawConnection connection)
    {
        await connection.SendAsync("""{"jsonrpc":"2.0","id":"alive","method":"workspace/executeCommand","params":{"command":"engram.status"}}""");
        var response = await connection.ResponseAsync("\"alive\"");
        Assert.True(response.TryGetProperty("result", out var result), response.GetRawText());
        Assert.True(result.TryGetProperty("index", out _));
    }
}
