using System.Text.Json;
using Engram.LanguageServer.Tests.Support;

namespace Engram.LanguageServer.Tests;

/// <summary>textDocument/completion from the workspace's word model: fixture with <c>$0</c> → first item and its textEdit.</summary>
public sealed class CompletionTests
{
    private const string Corpus = """
        public sealed class OrderService
        {
            public void PlaceOrder(Order order) => repository.SaveOrder(order);
            public void CancelOrder(Order order) => repository.DeleteOrder(order);
        }
        """;

    [Theory]
    // Partial word: the edit replaces "Sav" with the whole word.
    [InlineData("repository.Sav$0", "SaveOrder", 0, 11, 0, 14)]
    // Word boundary after a trigger character: an empty range at the caret.
    [InlineData("x => repository.$0", "SaveOrder", 0, 16, 0, 16)]
    // Multibyte text before the caret: ranges stay in UTF-16 units (emoji = 2).
    [InlineData("// 😀 日本\nrepository.Del$0", "DeleteOrder", 1, 11, 1, 14)]
    public async Task CompletesTheNextWord(string fixture, string expectedFirst, int startLine, int startCharacter, int endLine, int endCharacter)
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["OrderService.cs"] = Corpus });
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        var (text, line, character) = Caret.Parse(fixture);
        var uri = folder.FileUri("Scratch.cs");
        await client.OpenAsync(uri, text);

        var items = await CompleteUntilAsync(client, uri, line, character, expectedFirst);
        var first = items.EnumerateArray().First(i => i.GetProperty("label").GetString() == expectedFirst);
        var range = first.GetProperty("textEdit").GetProperty("range");
        Assert.Equal(expectedFirst, first.GetProperty("textEdit").GetProperty("newText").GetString());
        Assert.Equal((startLine, startCharacter, endLine, endCharacter), (
            range.GetProperty("start").GetProperty("line").GetInt32(), range.GetProperty("start").GetProperty("character").GetInt32(),
            range.GetProperty("end").GetProperty("line").GetInt32(), range.GetProperty("end").GetProperty("character").GetInt32()));
    }

    [Fact]
    public async Task IncrementalChangesWithEmojiFeedTheModel()
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("notes.md");
        await client.OpenAsync(uri, "😀 alpha\n", "markdown");

        // Insert after the emoji (UTF-16 character 2) and append a second line: "😀 zebraword alpha\nzeb".
        await client.NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri, version = 2 },
            contentChanges = new object[]
            {
                new { range = new { start = new { line = 0, character = 3 }, end = new { line = 0, character = 3 } }, text = "zebraword " },
                new { range = new { start = new { line = 1, character = 0 }, end = new { line = 1, character = 0 } }, text = "zeb" },
            },
        });

        var items = await CompleteUntilAsync(client, uri, 1, 3, "zebraword");
        var edit = items.EnumerateArray().First(i => i.GetProperty("label").GetString() == "zebraword").GetProperty("textEdit");
        Assert.Equal(0, edit.GetProperty("range").GetProperty("start").GetProperty("character").GetInt32());
        Assert.Equal(3, edit.GetProperty("range").GetProperty("end").GetProperty("character").GetInt32());
    }

    [Fact]
    public async Task Utf8PositionsAreBytesWhenNegotiated()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["OrderService.cs"] = Corpus });
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        var init = await client.InitializeAsync(folder, capabilities: new { general = new { positionEncodings = new[] { "utf-8" } } });
        Assert.Equal("utf-8", init.GetProperty("capabilities").GetProperty("positionEncoding").GetString());
        var uri = folder.FileUri("Scratch.cs");
        await client.OpenAsync(uri, "// 😀 日本\n");

        // "日本 😀 repository.Sav": 日本 = 6 bytes, emoji = 4; the caret after "Sav" is byte 26, the word starts at byte 23.
        await client.NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri, version = 2 },
            contentChanges = new[] { new { range = new { start = new { line = 1, character = 0 }, end = new { line = 1, character = 0 } }, text = "日本 😀 repository.Sav" } },
        });
        var items = await CompleteUntilAsync(client, uri, 1, 26, "SaveOrder");
        var range = items.EnumerateArray().First(i => i.GetProperty("label").GetString() == "SaveOrder").GetProperty("textEdit").GetProperty("range");
        Assert.Equal("""{"start":{"line":1,"character":23},"end":{"line":1,"character":26}}""", range.GetRawText());
    }

    /// <summary>Completion is eventually consistent with the edits (the model is fed off the dispatch path): ask until the word appears.</summary>
    internal static async Task<JsonElement> CompleteUntilAsync(LspTestClient client, string uri, int line, int character, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var result = await client.RequestAsync("textDocument/completion", new { textDocument = new { uri }, position = new { line, character } });
            var items = result.GetProperty("items");
            if (items.EnumerateArray().Any(i => i.GetProperty("label").GetString() == expected) || DateTime.UtcNow > deadline)
            {
                Assert.Contains(expected, items.EnumerateArray().Select(i => i.GetProperty("label").GetString()));
                return items;
            }

            // The word model is fed off the dispatch path (coalesced every 50 ms) and no notification marks it: poll.
            await Task.Delay(20);
        }
    }
}
