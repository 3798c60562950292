using System.Text.Json;
using Engram.LanguageServer.Tests.Support;

namespace Engram.LanguageServer.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task InitializeNegotiatesUtf16ByDefaultAndAdvertisesTheFeatures()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.cs"] = "class A {}\n" });
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        var result = await client.InitializeAsync(folder);

        var capabilities = result.GetProperty("capabilities");
        Assert.Equal("utf-16", capabilities.GetProperty("positionEncoding").GetString());
        Assert.Equal(2, capabilities.GetProperty("textDocumentSync").GetProperty("change").GetInt32());
        Assert.True(capabilities.GetProperty("inlineCompletionProvider").GetBoolean());
        Assert.True(capabilities.GetProperty("hoverProvider").GetBoolean());
        var commands = capabilities.GetProperty("executeCommandProvider").GetProperty("commands").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal(
            ["engram.index", "engram.reviewChanges", "engram.reviewRange", "engram.explain", "engram.generateDocs", "engram.refactor",
             "engram.ask", "engram.listModes", "engram.runDialogue", "engram.usage", "engram.status", "engram.search"],
            commands);
        Assert.Equal("engram", result.GetProperty("serverInfo").GetProperty("name").GetString());
        Assert.Equal(0, await client.ShutdownAsync());
    }

    [Fact]
    public async Task Utf8IsChosenWhenTheClientOffersIt()
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        var result = await client.InitializeAsync(folder, capabilities: new { general = new { positionEncodings = new[] { "utf-8", "utf-16" } } });
        Assert.Equal("utf-8", result.GetProperty("capabilities").GetProperty("positionEncoding").GetString());
    }

    [Fact]
    public async Task InitializedRegistersWatchedFilesDynamicallyAndSendsStatus()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.cs"] = "class A { void Run() {} }\n" });
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);

        var ready = await client.WaitForNotificationAsync("engram/status", p => p.GetProperty("index").GetProperty("state").GetString() == "ready");
        Assert.True(ready.GetProperty("index").GetProperty("chunks").GetInt32() > 0);
        Assert.Null(ready.GetProperty("model").GetProperty("name").GetString());
        var begin = await client.WaitForNotificationAsync("$/progress", p => p.GetProperty("value").GetProperty("kind").GetString() == "begin"
            && p.GetProperty("value").GetProperty("title").GetString() == "Engram: indexing");
        var token = begin.GetProperty("token").GetString();
        var end = await client.WaitForNotificationAsync("$/progress", p => p.GetProperty("token").GetString() == token && p.GetProperty("value").GetProperty("kind").GetString() == "end");
        Assert.Contains("chunks", end.GetProperty("value").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(client.Registrations.TryPeek(out var registration));
        var entry = registration.GetProperty("registrations")[0];
        Assert.Equal("workspace/didChangeWatchedFiles", entry.GetProperty("method").GetString());
        Assert.Equal("**/*", entry.GetProperty("registerOptions").GetProperty("watchers")[0].GetProperty("globPattern").GetString());
    }

    [Theory]
    [InlineData("textDocument/hover")]
    [InlineData("workspace/executeCommand")]
    [InlineData("shutdown")]
    public async Task RequestsBeforeInitializeAreServerNotInitialized(string method)
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        Assert.Equal(-32002, await client.ErrorCodeAsync(method, new { }));

        // The connection survives: initialize still works.
        await client.InitializeAsync(folder);
    }

    [Fact]
    public async Task ErrorsUseTheSpecsCodes()
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);

        Assert.Equal(-32601, await client.ErrorCodeAsync("textDocument/noSuchMethod", new { }));
        Assert.Equal(-32602, await client.ErrorCodeAsync("textDocument/completion", new { textDocument = 5, position = new { line = 0, character = 0 } }));
        Assert.Equal(-32602, await client.ErrorCodeAsync("textDocument/hover", new { textDocument = new { uri = folder.FileUri("a.cs") } }));
        Assert.Equal(-32602, await client.ErrorCodeAsync("workspace/executeCommand", new { command = "engram.noSuchCommand" }));
        Assert.Equal(-32602, await client.ErrorCodeAsync("workspace/executeCommand", new { command = "engram.explain", arguments = Array.Empty<object>() }));
        Assert.Equal(-32600, await client.ErrorCodeAsync("initialize", new { capabilities = new { } }));

        await client.RequestAsync("shutdown", null);
        Assert.Equal(-32600, await client.ErrorCodeAsync("textDocument/hover", new { }));
        await client.NotifyAsync("exit", null);
        Assert.Equal(0, await client.Server.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task ExitWithoutShutdownExitsWithOne()
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        await client.NotifyAsync("exit", null);
        Assert.Equal(1, await client.Server.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task SettingsComeFromWorkspaceConfiguration()
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        client.Configuration = JsonSerializer.SerializeToElement(new { completion = new { enabled = false } });
        await client.InitializeAsync(folder);
        await client.OpenAsync(folder.FileUri("a.cs"), "alpha beta alpha beta al");

        // The pull happens after `initialized`; poll the observable effect (completion disabled → no items).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement result;
        do
        {
            result = await client.RequestAsync("textDocument/completion", new { textDocument = new { uri = folder.FileUri("a.cs") }, position = new { line = 0, character = 24 } });
        }
        while (result.GetProperty("items").GetArrayLength() > 0 && DateTime.UtcNow < deadline);

        Assert.Equal(0, result.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ABrokenModelConfigurationIsShownAndDeterministicFeaturesKeepWorking()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.txt"] = "alpha beta alpha beta\n" });
        var options = LspTestClient.Options(folder) with
        {
            ModelsFactory = root => throw new Engram.Models.Configuration.ConfigException(Path.Combine(root, ".engram", "engram.json"), 3, 7, "$.models[0].provider", "unknown provider 'gpt'"),
        };
        await using var client = LspTestClient.Start(options);
        await client.InitializeAsync(folder);

        var message = await client.WaitForNotificationAsync("window/showMessage");
        Assert.Equal(1, message.GetProperty("type").GetInt32());
        Assert.Contains("engram.json", message.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("$.models[0].provider", message.GetProperty("message").GetString(), StringComparison.Ordinal);

        var uri = folder.FileUri("b.txt");
        await client.OpenAsync(uri, "alpha beta alpha be", "plaintext");
        await CompletionTests.CompleteUntilAsync(client, uri, 0, 19, "beta");
        Assert.Equal(-32803, await client.ErrorCodeAsync("workspace/executeCommand", new { command = "engram.explain", arguments = new object[] { uri, new { start = new { line = 0, character = 0 }, end = new { line = 0, character = 5 } } } }));
    }

    [Fact]
    public async Task WithoutAnyWorkspaceFolderOpenDocumentsStillComplete()
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(null);
        var uri = folder.FileUri("loose.txt");
        await client.OpenAsync(uri, "gamma delta gamma del", "plaintext");
        await CompletionTests.CompleteUntilAsync(client, uri, 0, 21, "delta");

        var index = await client.RequestAsync("workspace/executeCommand", new { command = "engram.index" });
        Assert.Equal(0, index.GetProperty("roots").GetArrayLength());
        var status = await client.RequestAsync("workspace/executeCommand", new { command = "engram.status" });
        Assert.Equal("none", status.GetProperty("index").GetProperty("state").GetString());
        Assert.Equal(0, await client.ShutdownAsync());
    }
}
