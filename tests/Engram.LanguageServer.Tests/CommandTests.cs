using System.Text.Json;
using Engram.LanguageServer.Tests.Support;

namespace Engram.LanguageServer.Tests;

/// <summary>engram.ask, dialogue modes, review on save, trace and configuration changes.</summary>
public sealed class CommandTests
{
    [Fact]
    public async Task AskWithoutAModelAnswersExtractivelyWithCitations()
    {
        using var folder = new TempFolder(new Dictionary<string, string>
        {
            ["src/Invoice.cs"] = "public class Invoice\n{\n    /// <summary>Computes the invoice total with tax.</summary>\n    public decimal ComputeInvoiceTotal(decimal net, decimal taxRate) => net * (1 + taxRate);\n}\n",
            ["README.md"] = "# Shop\n\nSells things.\n",
        });
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        await WorkspaceTests.WaitReadyAsync(client);

        var result = await client.RequestAsync("workspace/executeCommand", new { command = "engram.ask", arguments = new object[] { "How is the invoice total computed with tax?" } });
        Assert.True(result.GetProperty("extractive").GetBoolean());
        var citation = result.GetProperty("citations").EnumerateArray().First();
        Assert.Equal("src/Invoice.cs", citation.GetProperty("path").GetString());
        Assert.Equal(folder.FileUri("src/Invoice.cs"), citation.GetProperty("uri").GetString());
        Assert.Contains("src/Invoice.cs", result.GetProperty("markdown").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DialogueModesAreListedAndADialogueRuns()
    {
        using var folder = new TempFolder();
        var chat = new FakeChatClient(_ => "I agree: keep the cache small and measure it.");
        var options = LspTestClient.Options(folder, chat) with
        {
            ModesDirectories = [Path.Combine(Paths.RepositoryRoot, "modes")],
            DialogueDatabasePath = Path.Combine(folder.IndexDirectory, "dialogues.db"),
        };
        Directory.CreateDirectory(folder.IndexDirectory);
        await using var client = LspTestClient.Start(options);
        await client.InitializeAsync(folder);

        var modes = await client.RequestAsync("workspace/executeCommand", new { command = "engram.listModes" });
        var names = modes.EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Contains("debate", names);
        Assert.All(modes.EnumerateArray(), m => Assert.False(string.IsNullOrWhiteSpace(m.GetProperty("description").GetString())));

        var run = await client.RequestAsync("workspace/executeCommand", new { command = "engram.runDialogue", arguments = new object[] { "debate", "Should the cache be bounded?" } });
        Assert.Contains(run.GetProperty("status").GetString(), new[] { "completed", "converged" });
        Assert.False(string.IsNullOrEmpty(run.GetProperty("id").GetString()));
        Assert.Contains("keep the cache small", run.GetProperty("markdown").GetString(), StringComparison.Ordinal);

        Assert.Equal(-32803, await client.ErrorCodeAsync("workspace/executeCommand", new { command = "engram.runDialogue", arguments = new object[] { "no-such-mode", "topic" } }));
    }

    [Fact]
    public async Task ReviewOnSavePublishesDiagnosticsWhenEnabled()
    {
        const string original = "class A\n{\n    int F() => 1;\n}\n";
        using var folder = new TempFolder(new Dictionary<string, string> { ["A.cs"] = original }, git: true);
        var chat = new FakeChatClient(_ => """{"findings":[{"path":"A.cs","startLine":3,"endLine":3,"severity":"hint","code":"naming","message":"F says nothing.","suggestedFix":null}]}""");
        await using var client = LspTestClient.Start(LspTestClient.Options(folder, chat));
        await client.InitializeAsync(folder, initializationOptions: new { review = new { onSave = true } });
        var uri = folder.FileUri("A.cs");
        var changed = original.Replace("=> 1", "=> 2", StringComparison.Ordinal);
        await client.OpenAsync(uri, changed);
        folder.Write("A.cs", changed);
        await client.NotifyAsync("textDocument/didSave", new { textDocument = new { uri } });

        var published = await client.WaitForNotificationAsync("textDocument/publishDiagnostics", p => p.GetProperty("uri").GetString() == uri);
        var diagnostic = published.GetProperty("diagnostics").EnumerateArray().Single();
        Assert.Equal(4, diagnostic.GetProperty("severity").GetInt32());
        Assert.Equal("naming", diagnostic.GetProperty("code").GetString());
        await client.WaitForNotificationAsync("engram/status", p => p.GetProperty("model").GetProperty("name").GetString() == "fake");
    }

    [Fact]
    public async Task SetTraceTurnsOnLogTraceAndPushedConfigurationApplies()
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("a.txt");
        await client.OpenAsync(uri, "alpha beta alpha be", "plaintext");

        await client.NotifyAsync("$/setTrace", new { value = "messages" });
        await client.RequestAsync("textDocument/completion", new { textDocument = new { uri }, position = new { line = 0, character = 19 } });
        var trace = await client.WaitForNotificationAsync("$/logTrace");
        Assert.StartsWith("textDocument/completion:", trace.GetProperty("message").GetString(), StringComparison.Ordinal);

        await client.NotifyAsync("workspace/didChangeConfiguration", new { settings = new { engram = new { completion = new { enabled = false } } } });
        var result = await client.RequestAsync("textDocument/completion", new { textDocument = new { uri }, position = new { line = 0, character = 19 } });
        Assert.Equal(0, result.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.False, result.GetProperty("isIncomplete").ValueKind);
    }
}
