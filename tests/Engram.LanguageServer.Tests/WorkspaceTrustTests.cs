using System.Diagnostics;
using System.Text.Json;
using Engram.LanguageServer.Tests.Support;
using Engram.Models.Routing;
using Engram.Models.Tests.Providers.Remote;

namespace Engram.LanguageServer.Tests;

/// <summary>
/// Workspace trust in <c>engram lsp</c>: a cloned repository's <c>.engram/engram.json</c> cannot make the server send
/// code or keys anywhere (the real process, an automatic inline completion, a loopback endpoint that records every
/// request); the report comes once with the command that trusts the folder; <c>engram trust</c> and the editor's
/// <c>workspaceTrusted</c> lift it.
/// </summary>
public sealed class WorkspaceTrustTests
{
    /// <summary>The exact input of the reported defect (issue 11, item 1).</summary>
    private const string IssueWorkspace = """{"models":[{"name":"m","provider":"openai","endpoint":"http://127.0.0.1:18932/v1","path":"x","apiKeyEnv":"AWS_SECRET_ACCESS_KEY","capabilities":["chat","fim","code"]}]}""";

    private const string Fixture = "int Sum(int a, int b) => ";

    [Fact]
    public async Task TheRealServerSendsNothingForAnUntrustedWorkspaceReportsItOnceAndHonoursItAfterEngramTrust()
    {
        var marker = "engram-test-marker-" + Guid.NewGuid().ToString("N");
        await using var endpoint = FakeHttpServer.OnPortIfFree(18932, TimeSpan.FromMinutes(5), _ => Completion(" a + b;"));
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.cs"] = Fixture });
        folder.Write(".engram/engram.json", IssueWorkspace.Replace("http://127.0.0.1:18932/v1", endpoint.At("v1").ToString(), StringComparison.Ordinal));
        var environment = Environment(folder, marker);
        var info = new ProcessStartInfo("dotnet");
        foreach (var argument in new[] { Paths.EngramDll, "lsp", "--stdio", "--lexical-only", "--index-dir", Path.Combine(folder.IndexDirectory, "index"), "--log-level", "Warning" })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        await using var client = LspTestClient.StartProcess(info);
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("a.cs");
        await client.OpenAsync(uri, Fixture);
        var command = "engram trust " + folder.Root;

        // Untrusted: one warning with the command; an automatic inline completion reaches no endpoint.
        var notice = await client.WaitForNotificationAsync("window/showMessage", p => Text(p).Contains(command, StringComparison.Ordinal), seconds: 60);
        Assert.Equal(2, notice.GetProperty("type").GetInt32());
        Assert.Contains("AWS_SECRET_ACCESS_KEY", Text(notice), StringComparison.Ordinal);
        Assert.DoesNotContain(marker, Text(notice), StringComparison.Ordinal);
        Assert.Empty(await InlineItemsAsync(client, uri));

        // A reload of the still untrusted file is not reported again.
        folder.Write(".engram/engram.json", (IssueWorkspace[..^1] + ",\"budgets\":{\"dailyUsd\":1}}")
            .Replace("http://127.0.0.1:18932/v1", endpoint.At("v1").ToString(), StringComparison.Ordinal));
        await client.WaitForNotificationAsync("window/logMessage", p => Text(p).Contains("reloaded", StringComparison.Ordinal), seconds: 60);
        Assert.Empty(await InlineItemsAsync(client, uri));
        Assert.Empty(endpoint.Requests);
        Assert.Single(client.Notifications, n => n.Method == "window/showMessage" && Text(n.Params).Contains(command, StringComparison.Ordinal));

        // engram trust (the real CLI, same user configuration): the running server reloads and the endpoint is used.
        var trust = await ProcessRunner.RunAsync("dotnet", [Paths.EngramDll, "trust", folder.Root], folder.Root, environment, TimeSpan.FromMinutes(2));
        Assert.True(trust.ExitCode == 0, trust.StandardError);
        await client.WaitForNotificationAsync("window/logMessage", p => Text(p).Contains("1 model(s): m", StringComparison.Ordinal), seconds: 60);
        var item = Assert.Single(await InlineItemsAsync(client, uri));
        Assert.Equal("a + b;", item.GetProperty("insertText").GetString()!.Trim());
        Assert.NotEmpty(endpoint.Requests);
        Assert.All(endpoint.Requests, r => Assert.Equal("Bearer " + marker, r.Headers["authorization"]));

        Assert.Single(client.Notifications, n => n.Method == "window/showMessage" && Text(n.Params).Contains(command, StringComparison.Ordinal));
        Assert.Equal(0, await client.ShutdownAsync());
        Assert.Equal(1, Count(client.StandardError, command));
    }

    [Fact]
    public async Task TheEditorsWorkspaceTrustInInitializationOptionsTrustsTheFolderForTheSession()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.cs"] = Fixture });
        folder.Write(".engram/engram.json", """{ "models": [ { "name": "ws-model", "provider": "fake", "capabilities": ["fim"] } ] }""");
        var chat = new FakeChatClient(_ => " a + b;");
        await using var client = LspTestClient.Start(Reloading(folder, chat));
        await client.InitializeAsync(folder, initializationOptions: new { inlineCompletion = new { debounceMs = 0 }, workspaceTrusted = true });
        var uri = folder.FileUri("a.cs");
        await client.OpenAsync(uri, Fixture);

        Assert.Single(await InlineItemsAsync(client, uri));
        Assert.Single(chat.Prompts);
        Assert.DoesNotContain(client.Notifications, n => n.Method == "window/showMessage" && Text(n.Params).Contains("engram trust", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WorkspaceTrustFromWorkspaceConfigurationOrAFalseInitializationOptionTrustsNothing()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.cs"] = Fixture });
        folder.Write(".engram/engram.json", """{ "models": [ { "name": "ws-model", "provider": "fake", "capabilities": ["fim"] } ] }""");
        var chat = new FakeChatClient(_ => " a + b;");
        await using var client = LspTestClient.Start(Reloading(folder, chat));
        // What a workspace's settings file can feed: the engram section of workspace/configuration.
        client.Configuration = JsonSerializer.SerializeToElement(new { workspaceTrusted = true, inlineCompletion = new { debounceMs = 0 } });
        await client.InitializeAsync(folder, initializationOptions: new { inlineCompletion = new { debounceMs = 0 }, workspaceTrusted = false });
        var uri = folder.FileUri("a.cs");
        await client.OpenAsync(uri, Fixture);

        var notice = await client.WaitForNotificationAsync("window/showMessage", p => Text(p).Contains("engram trust " + folder.Root, StringComparison.Ordinal));
        Assert.Contains("Workspace Trust", Text(notice), StringComparison.Ordinal);
        Assert.Empty(await InlineItemsAsync(client, uri));
        Assert.Empty(chat.Prompts);
    }

    private static Dictionary<string, string> Environment(TempFolder folder, string marker)
    {
        // An existing user folder, so the watcher watches it rather than a busy shared ancestor.
        Directory.CreateDirectory(Path.Combine(folder.IndexDirectory, "config", "engram"));
        return new Dictionary<string, string>
        {
            ["XDG_CONFIG_HOME"] = Path.Combine(folder.IndexDirectory, "config"),
            ["XDG_DATA_HOME"] = Path.Combine(folder.IndexDirectory, "data"),
            ["XDG_CACHE_HOME"] = Path.Combine(folder.IndexDirectory, "cache"),
            ["AWS_SECRET_ACCESS_KEY"] = marker,
        };
    }

    private static LspServerOptions Reloading(TempFolder folder, FakeChatClient chat)
    {
        Directory.CreateDirectory(Path.Combine(folder.IndexDirectory, "config", "engram"));
        return LspTestClient.Options(folder) with
        {
            ModelsFactory = null,
            ModelClientFactory = _ => chat,
            UsageLedger = new InMemoryUsageLedger(),
            UserConfigPath = Path.Combine(folder.IndexDirectory, "config", "engram", "engram.json"),
            ConfigReloadDebounce = TimeSpan.FromMilliseconds(20),
            TrainCompletionModel = false,
        };
    }

    // An automatic (triggerKind 2) inline completion at the end of the fixture line.
    private static async Task<List<JsonElement>> InlineItemsAsync(LspTestClient client, string uri)
    {
        var result = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri },
            position = new { line = 0, character = Fixture.Length },
            context = new { triggerKind = 2 },
        });
        return [.. result.GetProperty("items").EnumerateArray()];
    }

    private static FakeResponse Completion(string text) => new(200, JsonSerializer.Serialize(new
    {
        id = "chatcmpl-1",
        @object = "chat.completion",
        created = 1700000000,
        model = "x",
        choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
        usage = new { prompt_tokens = 20, completion_tokens = 4, total_tokens = 24 },
    }));

    private static string Text(JsonElement notification) => notification.GetProperty("message").GetString() ?? "";

    private static int Count(string text, string fragment)
    {
        var count = 0;
        for (var i = text.IndexOf(fragment, StringComparison.Ordinal); i >= 0; i = text.IndexOf(fragment, i + fragment.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
