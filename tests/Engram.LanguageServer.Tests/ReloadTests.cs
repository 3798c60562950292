using System.Text.Json;
using Engram.LanguageServer.Tests.Support;
using Engram.Models.Routing;

namespace Engram.LanguageServer.Tests;

/// <summary>Hot reload of <c>engram.json</c> (real files, real watcher) and of the dialogue mode folders.</summary>
public sealed class ReloadTests
{
    private const string Fixture = "int Sum(int a, int b) => ";

    [Fact]
    public async Task AModelConfiguredWhileRunningServesTheNextRequestAndABrokenEditIsShownOnce()
    {
        using var folder = new TempFolder();
        var chat = new FakeChatClient(_ => " a + b;");
        await using var client = LspTestClient.Start(ReloadingOptions(folder, chat));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("a.cs");
        await client.OpenAsync(uri, Fixture);
        var range = new { start = new { line = 0, character = 0 }, end = new { line = 1, character = 0 } };

        // No model: inline completion says so once, model commands fail with RequestFailed.
        Assert.Empty(await InlineItemsAsync(client, uri));
        var noModel = await client.WaitForNotificationAsync("window/showMessage", p => Text(p).Contains("inline completion", StringComparison.Ordinal));
        Assert.Contains("engram.json", Text(noModel), StringComparison.Ordinal);
        Assert.Equal(-32803, await client.ErrorCodeAsync("workspace/executeCommand", new { command = "engram.explain", arguments = new object[] { uri, range } }));

        // A model appears in the user file: logged, status updated, the next request uses it.
        Write(folder, """
            { "models": [ { "name": "fake-reloaded", "provider": "fake", "capabilities": ["fim", "chat", "code", "review", "completion"] } ] }
            """);
        await client.WaitForNotificationAsync("engram/status", p => p.GetProperty("model").GetProperty("name").GetString() == "fake-reloaded");
        var logged = await client.WaitForNotificationAsync("window/logMessage", p => Text(p).Contains("fake-reloaded", StringComparison.Ordinal));
        Assert.Contains("reloaded", Text(logged), StringComparison.Ordinal);
        var item = Assert.Single(await InlineItemsAsync(client, uri));
        Assert.Equal("a + b;", item.GetProperty("insertText").GetString()!.Trim());
        var explained = await client.RequestAsync("workspace/executeCommand", new { command = "engram.explain", arguments = new object[] { uri, range } });
        Assert.Contains("a + b;", explained.GetProperty("markdown").GetString(), StringComparison.Ordinal);
        var usage = await client.RequestAsync("workspace/executeCommand", new { command = "engram.usage" });
        Assert.Equal("fake-reloaded", usage.GetProperty("models")[0].GetProperty("model").GetString());

        // A broken edit: a warning naming the file and line, once per distinct error; the previous model keeps serving.
        var path = UserConfig(folder);
        const string broken = "{\n  \"models\": [\n    { \"name\": \"x\", \"provider\": \"gpt\", \"capabilities\": [\"chat\"] }\n  ]\n}\n";
        Write(folder, broken);
        var warning = await client.WaitForNotificationAsync("window/showMessage", p => Text(p).Contains("$.models[0].provider", StringComparison.Ordinal));
        Assert.Equal(2, warning.GetProperty("type").GetInt32());
        Assert.Contains($"{path}:3:", Text(warning), StringComparison.Ordinal);
        Assert.Single(await InlineItemsAsync(client, uri, character: 24));

        // The same error again (the file touched) is not shown twice.
        Write(folder, broken + " ");
        await client.WaitForNotificationAsync("window/logMessage", p => Text(p).Contains("$.models[0].provider", StringComparison.Ordinal) && CountLogs(client, "$.models[0].provider") >= 2);
        Assert.Single(client.Notifications, n => n.Method == "window/showMessage" && Text(n.Params).Contains("$.models[0].provider", StringComparison.Ordinal));

        // A valid configuration without models: the "no model" notice is news again.
        var emptyReloads = CountLogs(client, "no models configured");
        Write(folder, """{ "models": [] }""");
        await WaitUntilAsync(() => CountLogs(client, "no models configured") > emptyReloads);
        var status = await client.RequestAsync("workspace/executeCommand", new { command = "engram.status" });
        Assert.Equal(JsonValueKind.Null, status.GetProperty("model").GetProperty("name").ValueKind);
        Assert.Empty(await InlineItemsAsync(client, uri));
        await WaitUntilAsync(() => client.Notifications.Count(n => n.Method == "window/showMessage" && Text(n.Params).Contains("inline completion", StringComparison.Ordinal)) == 2);
    }

    [Fact]
    public async Task AModeFileAddedWhileRunningIsListed()
    {
        using var folder = new TempFolder();
        var modes = Path.Combine(folder.IndexDirectory, "modes");
        Directory.CreateDirectory(modes);
        var chat = new FakeChatClient(_ => "ok");
        await using var client = LspTestClient.Start(LspTestClient.Options(folder, chat) with { ModesDirectories = [modes] });
        await client.InitializeAsync(folder);
        var before = await client.RequestAsync("workspace/executeCommand", new { command = "engram.listModes" });
        Assert.DoesNotContain(before.EnumerateArray(), m => m.GetProperty("name").GetString() == "hot");

        var source = Directory.EnumerateFiles(ShippedModes(), "debate.json").Single();
        var json = File.ReadAllText(source).Replace("\"name\": \"debate\"", "\"name\": \"hot\"", StringComparison.Ordinal);
        Assert.Contains("\"hot\"", json, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(modes, "hot.json"), json);
        await WaitUntilAsync(async () =>
        {
            var listed = await client.RequestAsync("workspace/executeCommand", new { command = "engram.listModes" });
            return listed.EnumerateArray().Any(m => m.GetProperty("name").GetString() == "hot");
        });
    }

    private static Engram.LanguageServer.LspServerOptions ReloadingOptions(TempFolder folder, FakeChatClient chat)
    {
        // An existing folder, so the watcher watches it rather than a busy shared ancestor.
        Directory.CreateDirectory(Path.Combine(folder.IndexDirectory, "config", "engram"));
        return LspTestClient.Options(folder) with
        {
        ModelsFactory = null,
        ModelClientFactory = _ => chat,
        UsageLedger = new InMemoryUsageLedger(),
        UserConfigPath = UserConfig(folder),
        ConfigReloadDebounce = TimeSpan.FromMilliseconds(20),
        TrainCompletionModel = false,
        };
    }

    private static async Task<List<JsonElement>> InlineItemsAsync(LspTestClient client, string uri, int character = 25)
    {
        var result = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri },
            position = new { line = 0, character },
            context = new { triggerKind = 1 },
        });
        return [.. result.GetProperty("items").EnumerateArray()];
    }

    private static string UserConfig(TempFolder folder) => Path.Combine(folder.IndexDirectory, "config", "engram", "engram.json");

    /// <summary>Writes the user configuration as editors save: a temp file renamed over it (never half a file).</summary>
    private static void Write(TempFolder folder, string json)
    {
        var path = UserConfig(folder);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", json);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static string Text(JsonElement notification) => notification.GetProperty("message").GetString() ?? "";

    private static int CountLogs(LspTestClient client, string fragment) =>
        client.Notifications.Count(n => n.Method == "window/logMessage" && Text(n.Params).Contains(fragment, StringComparison.Ordinal));

    private static string ShippedModes()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "modes");
            if (File.Exists(Path.Combine(candidate, "mode.schema.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("modes/ not found above the test assembly.");
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(25);
        }
    }
}
