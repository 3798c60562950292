using System.Diagnostics;
using System.Text.Json;
using Engram.LanguageServer.Tests.Support;

namespace Engram.LanguageServer.Tests;

/// <summary>Unsaved edits are searchable through the overlay, without didSave.</summary>
public sealed class OverlayTests
{
    [Fact]
    public async Task ADidChangeIsSearchableWithoutSaveAndDidCloseRestoresTheIndex()
    {
        const string original = "public class Ledger\n{\n    public void Post() { }\n}\n";
        using var folder = new TempFolder(new Dictionary<string, string> { ["src/Ledger.cs"] = original, ["src/Other.cs"] = "class Other { void Run() { } }\n" }, git: true);
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        await WorkspaceTests.WaitReadyAsync(client);
        var uri = folder.FileUri("src/Ledger.cs");
        await client.OpenAsync(uri, original);
        Assert.False(await FoundAsync(client, "ReconcileWombatAccounts"));

        // Insert a method before the closing brace (line 3), without saving.
        await client.NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri, version = 2 },
            contentChanges = new object[]
            {
                new { range = new { start = new { line = 3, character = 0 }, end = new { line = 3, character = 0 } }, text = "    public int ReconcileWombatAccounts(int count) => count * 2;\n" },
            },
        });

        var stopwatch = Stopwatch.StartNew();
        while (!await FoundAsync(client, "ReconcileWombatAccounts"))
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), "the unsaved method was not found within 15 s");
            await Task.Delay(20);
        }

        var hit = await TopHitAsync(client, "ReconcileWombatAccounts");
        Assert.Equal("src/Ledger.cs", hit.GetProperty("path").GetString());
        Assert.Equal(4, hit.GetProperty("startLine").GetInt32());
        Assert.False(hit.GetProperty("stale").GetBoolean());
        Assert.Equal(original, File.ReadAllText(Path.Combine(folder.Root, "src/Ledger.cs")));

        await client.NotifyAsync("textDocument/didClose", new { textDocument = new { uri } });
        stopwatch.Restart();
        while (await FoundAsync(client, "ReconcileWombatAccounts"))
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), "the closed document's overlay was still searched after 15 s");
            await Task.Delay(20);
        }

        Assert.True(await FoundAsync(client, "Post"));
    }

    [Fact]
    public async Task ADidOpenWithUnsavedTextIsSearchable()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.cs"] = "class A { void Alpha() { } }\n", ["b.cs"] = "class B { void Beta() { } }\n" });
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        await WorkspaceTests.WaitReadyAsync(client);

        // A restored editor session opens a.cs with edits that were never saved; b.cs as saved.
        await client.OpenAsync(folder.FileUri("a.cs"), "class A { void Alpha() { } void RestoredMarmotSession() { } }\n");
        await client.OpenAsync(folder.FileUri("b.cs"), "class B { void Beta() { } }\n");
        var stopwatch = Stopwatch.StartNew();
        while (!await FoundAsync(client, "RestoredMarmotSession"))
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), "the unsaved text of the opened document was not found within 15 s");
            await Task.Delay(20);
        }

        // b.cs, opened as saved, is still found.
        var beta = await TopHitAsync(client, "Beta");
        Assert.Equal("b.cs", beta.GetProperty("path").GetString());
        Assert.False(beta.GetProperty("stale").GetBoolean());
    }

    private static async Task<JsonElement> TopHitAsync(LspTestClient client, string word)
    {
        var result = await client.RequestAsync("workspace/executeCommand", new { command = "engram.search", arguments = new object[] { word, 5 } });
        return result.GetProperty("hits").EnumerateArray().First();
    }

    private static async Task<bool> FoundAsync(LspTestClient client, string word)
    {
        var result = await client.RequestAsync("workspace/executeCommand", new { command = "engram.search", arguments = new object[] { word, 5 } });
        return result.GetProperty("hits").EnumerateArray().Any(h => h.GetProperty("symbol").ValueKind == JsonValueKind.String && h.GetProperty("symbol").GetString() == word);
    }
}
