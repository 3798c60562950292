using System.Text.Json;
using Engram.LanguageServer.Tests.Support;

namespace Engram.LanguageServer.Tests;

/// <summary>Review diagnostics, quick fixes, docs, refactoring and explanations with a scripted chat client.</summary>
public sealed class ModelFeatureTests
{
    private const string Calc = "public static class Calc\n{\n    public static int Add(int a, int b) => a + b;\n}\n";

    [Fact]
    public async Task ReviewPublishesDiagnosticsWhoseQuickFixReplacesTheLines()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["src/Calc.cs"] = Calc }, git: true);
        var chat = new FakeChatClient(_ => """
            {"findings":[{"path":"src/Calc.cs","startLine":3,"endLine":3,"severity":"error","code":"wrong-operator",
              "message":"Add subtracts.","suggestedFix":"    public static int Add(int a, int b) => a + b;\n"}]}
            """);
        await using var client = LspTestClient.Start(LspTestClient.Options(folder, chat));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("src/Calc.cs");
        await client.OpenAsync(uri, Calc.Replace("a + b", "a - b", StringComparison.Ordinal));

        var result = await client.RequestAsync("workspace/executeCommand", new { command = "engram.reviewChanges", arguments = new object[] { uri } });
        Assert.Equal(1, result.GetProperty("findings").GetInt32());
        Assert.Contains("a - b", chat.Prompts.Single(), StringComparison.Ordinal);

        var published = await client.WaitForNotificationAsync("textDocument/publishDiagnostics", p => p.GetProperty("uri").GetString() == uri);
        var diagnostic = published.GetProperty("diagnostics").EnumerateArray().Single();
        Assert.Equal("engram", diagnostic.GetProperty("source").GetString());
        Assert.Equal(1, diagnostic.GetProperty("severity").GetInt32());
        Assert.Equal("wrong-operator", diagnostic.GetProperty("code").GetString());
        Assert.Equal(2, diagnostic.GetProperty("range").GetProperty("start").GetProperty("line").GetInt32());

        var actions = await client.RequestAsync("textDocument/codeAction", new
        {
            textDocument = new { uri },
            range = diagnostic.GetProperty("range"),
            context = new { diagnostics = new[] { diagnostic }, only = new[] { "quickfix" } },
        });
        var fix = actions.EnumerateArray().Single();
        Assert.Equal("quickfix", fix.GetProperty("kind").GetString());
        var edit = fix.GetProperty("edit").GetProperty("changes").GetProperty(uri)[0];
        Assert.Equal("    public static int Add(int a, int b) => a + b;\n", edit.GetProperty("newText").GetString());
        Assert.Equal("""{"start":{"line":2,"character":0},"end":{"line":3,"character":0}}""", edit.GetProperty("range").GetRawText());
    }

    [Fact]
    public async Task GenerateDocsAppliesTheSkeletonWithoutAModelAndSaysSoOnce()
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("Calc.cs");
        await client.OpenAsync(uri, Calc);

        var actions = await client.RequestAsync("textDocument/codeAction", new
        {
            textDocument = new { uri },
            range = new { start = new { line = 2, character = 25 }, end = new { line = 2, character = 25 } },
            context = new { diagnostics = Array.Empty<object>() },
        });
        var generate = actions.EnumerateArray().Single(a => a.GetProperty("title").GetString()!.StartsWith("Engram: Generate documentation", StringComparison.Ordinal));
        var command = generate.GetProperty("command");

        var result = await client.RequestAsync("workspace/executeCommand", new { command = command.GetProperty("command").GetString(), arguments = command.GetProperty("arguments") });
        Assert.True(result.GetProperty("applied").GetBoolean());
        Assert.False(result.GetProperty("usedModel").GetBoolean());
        Assert.True(client.AppliedEdits.TryDequeue(out var applied));
        var edit = applied.GetProperty("edit").GetProperty("changes").GetProperty(uri)[0];
        Assert.Equal("""{"start":{"line":2,"character":0},"end":{"line":2,"character":0}}""", edit.GetProperty("range").GetRawText());
        Assert.Contains("/// <summary>", edit.GetProperty("newText").GetString(), StringComparison.Ordinal);
        Assert.Contains("<param name=\"a\">", edit.GetProperty("newText").GetString(), StringComparison.Ordinal);

        await client.RequestAsync("workspace/executeCommand", new { command = command.GetProperty("command").GetString(), arguments = command.GetProperty("arguments") });
        await client.WaitForNotificationAsync("window/showMessage");
        Assert.Single(client.Notifications, n => n.Method == "window/showMessage");
    }

    [Fact]
    public async Task ModelCommandsWithoutAModelFailWithRequestFailedAndShowTheFixOnce()
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("Calc.cs");
        await client.OpenAsync(uri, Calc);
        var range = new { start = new { line = 2, character = 0 }, end = new { line = 3, character = 0 } };

        Assert.Equal(-32803, await client.ErrorCodeAsync("workspace/executeCommand", new { command = "engram.explain", arguments = new object[] { uri, range } }));
        Assert.Equal(-32803, await client.ErrorCodeAsync("workspace/executeCommand", new { command = "engram.explain", arguments = new object[] { uri, range } }));
        var message = await client.WaitForNotificationAsync("window/showMessage");
        Assert.Contains("engram.json", message.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(client.Notifications, n => n.Method == "window/showMessage");

        // Deterministic features keep working.
        var status = await client.RequestAsync("workspace/executeCommand", new { command = "engram.status" });
        Assert.Equal(JsonValueKind.Null, status.GetProperty("model").GetProperty("name").ValueKind);
        var usage = await client.RequestAsync("workspace/executeCommand", new { command = "engram.usage" });
        Assert.Equal(0, usage.GetProperty("todayCalls").GetInt32());
    }

    [Fact]
    public async Task RefactorAppliesTheModelsReplacementAndUsageCountsTheCall()
    {
        using var folder = new TempFolder();
        var chat = new FakeChatClient(_ => "```csharp\n    public static int Add(int left, int right) => left + right;\n```");
        await using var client = LspTestClient.Start(LspTestClient.Options(folder, chat));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("Calc.cs");
        await client.OpenAsync(uri, Calc);

        var range = new { start = new { line = 2, character = 0 }, end = new { line = 3, character = 0 } };
        var result = await client.RequestAsync("workspace/executeCommand", new { command = "engram.refactor", arguments = new object[] { uri, range, "Rename the parameters" } });
        Assert.True(result.GetProperty("applied").GetBoolean());
        Assert.Contains("Rename the parameters", chat.Prompts.Single(), StringComparison.Ordinal);
        Assert.True(client.AppliedEdits.TryDequeue(out var applied));
        var edit = applied.GetProperty("edit").GetProperty("changes").GetProperty(uri)[0];
        Assert.Equal("    public static int Add(int left, int right) => left + right;\n", edit.GetProperty("newText").GetString());

        var usage = await client.RequestAsync("workspace/executeCommand", new { command = "engram.usage" });
        Assert.Equal(1, usage.GetProperty("todayCalls").GetInt32());
        Assert.Equal("fake", usage.GetProperty("models")[0].GetProperty("model").GetString());
    }

    [Fact]
    public async Task ExplainReturnsMarkdownAndShowsADocumentWhenTheClientCan()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["Calc.cs"] = Calc });
        var chat = new FakeChatClient(_ => "Adds two integers.");
        await using var client = LspTestClient.Start(LspTestClient.Options(folder, chat));
        await client.InitializeAsync(folder, capabilities: new { workspace = new { applyEdit = true }, window = new { showDocument = new { support = true } } });
        var uri = folder.FileUri("Calc.cs");
        await client.OpenAsync(uri, Calc);

        var range = new { start = new { line = 2, character = 0 }, end = new { line = 3, character = 0 } };
        var result = await client.RequestAsync("workspace/executeCommand", new { command = "engram.explain", arguments = new object[] { uri, range } });
        Assert.Contains("Adds two integers.", result.GetProperty("markdown").GetString(), StringComparison.Ordinal);
        var shown = await client.WaitForNotificationAsync("window/showDocument");
        Assert.Equal(result.GetProperty("uri").GetString(), shown.GetProperty("uri").GetString());
        Assert.Contains("Add(int a, int b)", chat.Prompts.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AModelCallInFlightBlocksNeitherEditsNorOtherRequests()
    {
        using var folder = new TempFolder();
        var gate = new TaskCompletionSource();
        var chat = new FakeChatClient(_ => "Explained.") { Gate = gate };
        await using var client = LspTestClient.Start(LspTestClient.Options(folder, chat));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("Calc.cs");
        await client.OpenAsync(uri, Calc);

        var explain = client.RequestAsync("workspace/executeCommand", new { command = "engram.explain", arguments = new object[] { uri, new { start = new { line = 2, character = 0 }, end = new { line = 3, character = 0 } } } });
        while (chat.Prompts.Count == 0)
        {
            await Task.Yield();
        }

        await client.NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri, version = 2 },
            contentChanges = new[] { new { range = new { start = new { line = 4, character = 0 }, end = new { line = 4, character = 0 } }, text = "// Adder Adder Add" } },
        });
        await CompletionTests.CompleteUntilAsync(client, uri, 4, 18, "Adder");
        Assert.False(explain.IsCompleted);

        gate.SetResult();
        var result = await explain;
        Assert.Contains("Explained.", result.GetProperty("markdown").GetString(), StringComparison.Ordinal);
    }
}
