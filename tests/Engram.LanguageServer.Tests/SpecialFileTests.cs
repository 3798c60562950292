using System.Text.Json;
using Engram.LanguageServer.Tests.Support;
using Engram.Tests.Support;

namespace Engram.LanguageServer.Tests;

/// <summary>
/// Requests about documents the editor has not opened make the server read them from disk (issue 11, item 5): a
/// named pipe, a device or a socket must fail at once with RequestFailed, never block later requests, never be read.
/// </summary>
public sealed class SpecialFileTests
{
    private static readonly TimeSpan s_quickly = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("a named pipe in the workspace")]
    [InlineData("a link to /dev/zero in the workspace")]
    [InlineData("a socket in the workspace")]
    [InlineData("file:///dev/zero")]
    [InlineData("file:///dev/urandom")]
    [InlineData("a folder")]
    public async Task Hover_on_a_special_file_fails_at_once_and_the_next_request_is_answered(string target)
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["src/Billing.cs"] = "namespace Shop;\n\npublic static class Billing { public static decimal Total(decimal a) => a; }\n" });
        var special = Path.Combine(folder.Root, "src", "special.cs");
        using var socket = target.Contains("socket", StringComparison.Ordinal) ? SpecialFiles.BindSocket(special) : null;
        var uri = target switch
        {
            "a named pipe in the workspace" => new Uri(SpecialFiles.MakeFifo(special)).AbsoluteUri,
            "a link to /dev/zero in the workspace" => LinkTo(special, "/dev/zero"),
            "a socket in the workspace" => new Uri(special).AbsoluteUri,
            "a folder" => folder.FileUri("src"),
            _ => target,
        };
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);

        for (var i = 0; i < 3; i++)
        {
            var code = await client.ErrorCodeAsync("textDocument/hover", new { textDocument = new { uri }, position = new { line = 0, character = 0 } }).WaitAsync(s_quickly);
            Assert.Equal(-32803, code);
        }

        var billing = folder.FileUri("src/Billing.cs");
        var hover = await client.RequestAsync("textDocument/hover", new { textDocument = new { uri = billing }, position = new { line = 0, character = 0 } }).WaitAsync(s_quickly);
        Assert.True(hover.ValueKind is JsonValueKind.Null or JsonValueKind.Object);
        Assert.Equal(0, await client.ShutdownAsync().WaitAsync(s_quickly));
    }

    private static string LinkTo(string path, string target)
    {
        File.CreateSymbolicLink(path, target);
        return new Uri(path).AbsoluteUri;
    }
}
