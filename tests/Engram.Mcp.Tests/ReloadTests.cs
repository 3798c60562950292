using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Engram.Mcp.Tests;

/// <summary>The MCP host follows <c>engram.json</c> edits (real files, real watcher).</summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task Models_status_and_the_tools_follow_configuration_edits_and_a_broken_edit_keeps_the_previous_one()
    {
        var fake = new FakeChatClient((_, _) => "Totals are summed then taxed.");
        var userFolder = Path.Combine(Path.GetTempPath(), "engram-mcp-tests", Guid.NewGuid().ToString("N") + "-config");
        Directory.CreateDirectory(userFolder);
        try
        {
            await RunAsync(fake, Path.Combine(userFolder, "engram.json"));
        }
        finally
        {
            Directory.Delete(userFolder, recursive: true);
        }
    }

    private static async Task RunAsync(FakeChatClient fake, string userConfig)
    {
        await using var host = await McpTestHost.StartReloadingAsync(fake, userConfig);
        var messages = new ConcurrentQueue<(string Level, string Text)>();
        var client = await host.ConnectAsync(new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
#pragma warning disable MCP9005 // Logging: deprecated by 2026-07-28, still what today's clients receive.
                    new(NotificationMethods.LoggingMessageNotification, (notification, _) =>
#pragma warning restore MCP9005
                    {
                        messages.Enqueue((notification.Params?["level"]?.GetValue<string>() ?? "", notification.Params?["data"]?.ToString() ?? ""));
                        return ValueTask.CompletedTask;
                    }),
                ],
            },
        });

        var before = (await client.CallAsync("models_status")).Json();
        Assert.Empty(before.GetProperty("models").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, before.GetProperty("configError").ValueKind);
        Assert.Contains("\"extractive\":true", (await client.CallAsync("research", new { question = "invoice total" })).Text());

        // A model appears in the user file: a log notification, models_status shows it, the next tool call uses it.
        var path = userConfig;
        Write(path, """{ "models": [ { "name": "fake-mcp", "provider": "fake", "capabilities": ["chat", "reasoning", "code", "review"] } ] }""");
        await WaitUntilAsync(() => messages.Any(m => m.Level == "info" && m.Text.Contains("fake-mcp", StringComparison.Ordinal)));
        var after = (await client.CallAsync("models_status")).Json();
        Assert.Equal("fake-mcp", after.GetProperty("models")[0].GetProperty("name").GetString());
        Assert.Contains(path, after.GetProperty("configFiles").EnumerateArray().Select(f => f.GetString()));
        var research = (await client.CallAsync("research", new { question = "How is an invoice total computed?", depth = 1 })).Json();
        Assert.True(research.GetProperty("usage").GetProperty("modelCalls").GetInt32() >= 1);
        Assert.NotEmpty(fake.Requests);
        Assert.Equal("fake-mcp", (await client.CallAsync("usage")).Json().GetProperty("rows")[0].GetProperty("model").GetString());

        // A broken edit: a warning naming file and line; the previous configuration keeps serving.
        Write(path, "{\n  \"models\": [\n    { \"name\": \"x\", \"provider\": \"gpt\", \"capabilities\": [\"chat\"] }\n  ]\n}\n");
        await WaitUntilAsync(() => messages.Any(m => m.Level == "warning" && m.Text.Contains($"{path}:3:", StringComparison.Ordinal)));
        var broken = (await client.CallAsync("models_status")).Json();
        Assert.Equal("fake-mcp", broken.GetProperty("models")[0].GetProperty("name").GetString());
        Assert.Contains("$.models[0].provider", broken.GetProperty("configError").GetString(), StringComparison.Ordinal);
    }

    private static void Write(string path, string json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", json);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(25);
        }
    }
}
