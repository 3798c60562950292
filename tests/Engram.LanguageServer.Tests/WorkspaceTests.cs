using System.Text.Json;
using Engram.LanguageServer.Tests.Support;
using LibGit2Sharp;

namespace Engram.LanguageServer.Tests;

/// <summary>Hover from the engram index, freshness after saves, watched files, branch switches and folder changes.</summary>
public sealed class WorkspaceTests
{
    [Fact]
    public async Task HoverListsRelatedChunksElsewhereWithPathLineLinks()
    {
        using var folder = new TempFolder(new Dictionary<string, string>
        {
            ["src/Invoice.cs"] = "public class Invoice\n{\n    public decimal ComputeInvoiceTotal(decimal net, decimal taxRate) => net * (1 + taxRate);\n}\n",
            ["src/Billing.cs"] = "public class Billing\n{\n    public decimal Charge(Invoice invoice) => invoice.ComputeInvoiceTotal(100m, 0.2m);\n}\n",
        });
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        await WaitReadyAsync(client);
        var uri = folder.FileUri("src/Billing.cs");
        await client.OpenAsync(uri, File.ReadAllText(Path.Combine(folder.Root, "src/Billing.cs")));

        var hover = await client.RequestAsync("textDocument/hover", new { textDocument = new { uri }, position = new { line = 2, character = 60 } });
        var markdown = hover.GetProperty("contents").GetProperty("value").GetString()!;
        Assert.Equal("markdown", hover.GetProperty("contents").GetProperty("kind").GetString());
        Assert.Contains("`ComputeInvoiceTotal`", markdown, StringComparison.Ordinal);
        Assert.Contains("[src/Invoice.cs:3-3](" + folder.FileUri("src/Invoice.cs") + "#L3)", markdown, StringComparison.Ordinal);
        Assert.Equal("""{"start":{"line":2,"character":54},"end":{"line":2,"character":73}}""", hover.GetProperty("range").GetRawText());

        var none = await client.RequestAsync("textDocument/hover", new { textDocument = new { uri }, position = new { line = 1, character = 0 } });
        Assert.Equal(JsonValueKind.Null, none.ValueKind);
    }

    [Fact]
    public async Task ASavedFileBecomesSearchableAndADeletedOneDisappears()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.cs"] = "class A { }\n" });
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        await WaitReadyAsync(client);

        folder.Write("b.cs", "class Zeppelin { void LaunchZeppelinFleet() { } }\n");
        await client.NotifyAsync("textDocument/didSave", new { textDocument = new { uri = folder.FileUri("b.cs") } });
        await SearchUntilAsync(client, "LaunchZeppelinFleet", found: true);

        File.Delete(Path.Combine(folder.Root, "b.cs"));
        await client.NotifyAsync("workspace/didChangeWatchedFiles", new { changes = new[] { new { uri = folder.FileUri("b.cs"), type = 3 } } });
        await SearchUntilAsync(client, "LaunchZeppelinFleet", found: false);
    }

    [Fact]
    public async Task ABranchSwitchSeenOnGitHeadUpdatesTheIndex()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.cs"] = "class A { }\n" }, git: true);
        using (var repository = new Repository(folder.Root))
        {
            var feature = repository.CreateBranch("feature");
            Commands.Checkout(repository, feature);
            folder.Write("f.cs", "class Feature { void PolishHovercraftEels() { } }\n");
            Commands.Stage(repository, "*");
            var signature = new Signature("Test", "test@example.com", DateTimeOffset.UtcNow);
            repository.Commit("feature", signature, signature);
            Commands.Checkout(repository, repository.Branches["master"] ?? repository.Branches["main"]);
        }

        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        await WaitReadyAsync(client);
        await SearchUntilAsync(client, "PolishHovercraftEels", found: false);

        using (var repository = new Repository(folder.Root))
        {
            Commands.Checkout(repository, repository.Branches["feature"]);
        }

        // No notification from the client: the .git/HEAD watcher alone triggers the update.
        await SearchUntilAsync(client, "PolishHovercraftEels", found: true);
    }

    [Fact]
    public async Task AddedWorkspaceFoldersAreIndexedAndSearched()
    {
        using var first = new TempFolder(new Dictionary<string, string> { ["a.cs"] = "class A { }\n" });
        using var second = new TempFolder(new Dictionary<string, string> { ["q.cs"] = "class Quokka { void FeedQuokkaLeaves() { } }\n" });
        await using var client = LspTestClient.Start(LspTestClient.Options(first) with { IndexDirectory = first.IndexDirectory });
        await client.InitializeAsync(first);
        await WaitReadyAsync(client);

        await client.NotifyAsync("workspace/didChangeWorkspaceFolders", new { @event = new { added = new[] { new { uri = second.Uri, name = "second" } }, removed = Array.Empty<object>() } });
        await SearchUntilAsync(client, "FeedQuokkaLeaves", found: true);

        await client.NotifyAsync("workspace/didChangeWorkspaceFolders", new { @event = new { added = Array.Empty<object>(), removed = new[] { new { uri = second.Uri, name = "second" } } } });
        await SearchUntilAsync(client, "FeedQuokkaLeaves", found: false);
    }

    [Fact]
    public async Task TheIndexCommandReportsEveryRootWithProgress()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.cs"] = "class A { void Run() { } }\n", ["b.md"] = "# Notes\n\nSome text.\n" });
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder, initializationOptions: new { index = new { autoUpdate = false } });

        var result = await client.RequestAsync("workspace/executeCommand", new { command = "engram.index" });
        var root = result.GetProperty("roots").EnumerateArray().Single();
        Assert.Equal(folder.Root, root.GetProperty("root").GetString());
        Assert.Equal(2, root.GetProperty("files").GetInt32());
        Assert.True(root.GetProperty("chunks").GetInt32() >= 2);
        Assert.Equal(2, root.GetProperty("filesUpdated").GetInt32());
        await client.WaitForNotificationAsync("$/progress", p => p.GetProperty("value").GetProperty("kind").GetString() == "end");
    }

    internal static Task WaitReadyAsync(LspTestClient client) =>
        client.WaitForNotificationAsync("engram/status", p => p.GetProperty("index").GetProperty("state").GetString() == "ready");

    /// <summary>Searches until the word is (or is no longer) found; fails after 30 s.</summary>
    internal static async Task SearchUntilAsync(LspTestClient client, string word, bool found)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var result = await client.RequestAsync("workspace/executeCommand", new { command = "engram.search", arguments = new object[] { word, 5 } });
            var hit = result.GetProperty("hits").EnumerateArray().Any(h => h.GetProperty("symbol").ValueKind == JsonValueKind.String && h.GetProperty("symbol").GetString() == word);
            if (hit == found)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"'{word}' was {(found ? "not found" : "still found")} after 30 s");
            var count = client.Notifications.Count;
            await client.WaitForNotificationAsync("engram/status", _ => client.Notifications.Count > count, 2).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
