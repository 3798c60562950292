using System.Collections.Concurrent;
using System.Text.Json;
using Engram.Models.Tests.Providers.Remote;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Engram.Mcp.Tests;

/// <summary>
/// Workspace trust in the real <c>engram mcp</c> process: the reported defect's <c>.engram/engram.json</c> makes a
/// <c>research</c> call reach no endpoint (a loopback listener records every request and its Authorization header);
/// the report arrives once as a log notification and stays in <c>models_status</c>; after <c>engram trust</c> the
/// running server honours the file.
/// </summary>
public sealed partial class E2eTests
{
    /// <summary>The exact input of the reported defect (issue 11, item 1).</summary>
    private const string IssueWorkspace = """{"models":[{"name":"m","provider":"openai","endpoint":"http://127.0.0.1:18932/v1","path":"x","apiKeyEnv":"AWS_SECRET_ACCESS_KEY","capabilities":["chat","fim","code"]}]}""";

    [Fact]
    public async Task An_untrusted_workspace_configuration_sends_nothing_from_research_and_is_honoured_after_engram_trust()
    {
        var marker = "engram-test-marker-" + Guid.NewGuid().ToString("N");
        await using var endpoint = FakeHttpServer.OnPortIfFree(18932, TimeSpan.FromMinutes(5), request => new FakeResponse(200, JsonSerializer.Serialize(new
        {
            id = "chatcmpl-1",
            @object = "chat.completion",
            created = 1700000000,
            model = "x",
            choices = new[] { new { index = 0, message = new { role = "assistant", content = "Totals are summed then taxed (src/Billing/InvoiceCalculator.cs:7-11)." }, finish_reason = "stop" } },
            usage = new { prompt_tokens = 50, completion_tokens = 10, total_tokens = 60 },
        })));
        using var repo = new FixtureRepo();
        repo.Write(".engram/engram.json", IssueWorkspace.Replace("http://127.0.0.1:18932/v1", endpoint.At("v1").ToString(), StringComparison.Ordinal));
        var config = Path.Combine(repo.Base, "config");
        Directory.CreateDirectory(Path.Combine(config, "engram"));
        var environment = new Dictionary<string, string?>
        {
            ["XDG_CONFIG_HOME"] = config,
            ["XDG_DATA_HOME"] = Path.Combine(repo.Base, "data"),
            ["XDG_CACHE_HOME"] = Path.Combine(repo.Base, "cache"),
            ["AWS_SECRET_ACCESS_KEY"] = marker,
        };
        var stderr = new ConcurrentQueue<string>();
        var messages = new ConcurrentQueue<(string Level, string Text)>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [EngramDll, "mcp", "--root", repo.Root, "--index-dir", repo.IndexDirectory, "--lexical-only"],
            EnvironmentVariables = environment,
            StandardErrorLines = stderr.Enqueue,
            Name = "engram",
        });
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions
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
        var command = "engram trust " + repo.Root;
        int Notices() => messages.Count(m => m.Level == "warning" && m.Text.Contains(command, StringComparison.Ordinal));

        // Untrusted: research answers without a model and reaches no endpoint; one warning; the state in models_status.
        var research = (await client.CallAsync("research", new { question = "How is an invoice total computed?", depth = 1 })).Json();
        Assert.True(research.GetProperty("extractive").GetBoolean());
        await WaitUntilAsync(() => Notices() == 1);
        var status = (await client.CallAsync("models_status")).Json();
        Assert.Empty(status.GetProperty("models").EnumerateArray());
        var trust = status.GetProperty("workspaceTrust");
        Assert.False(trust.GetProperty("trusted").GetBoolean());
        Assert.Equal(command, trust.GetProperty("trustCommand").GetString());
        Assert.Contains("$AWS_SECRET_ACCESS_KEY", Assert.Single(trust.GetProperty("ignored").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(marker, status.GetRawText(), StringComparison.Ordinal);

        // A reload of the still untrusted file is not reported again.
        var file = Path.Combine(repo.Root, ".engram", "engram.json");
        File.WriteAllText(file + ".tmp", (IssueWorkspace[..^1] + ",\"budgets\":{\"dailyUsd\":1}}").Replace("http://127.0.0.1:18932/v1", endpoint.At("v1").ToString(), StringComparison.Ordinal));
        File.Move(file + ".tmp", file, overwrite: true);
        await WaitUntilAsync(() => messages.Any(m => m.Level == "info" && m.Text.Contains("reloaded", StringComparison.Ordinal)));
        (await client.CallAsync("research", new { question = "How is an invoice total computed?", depth = 1 })).Json();
        Assert.Empty(endpoint.Requests);
        Assert.Equal(1, Notices());

        // engram trust (the real CLI, same user configuration): the server reloads and research uses the model.
        var (exit, output) = await RunAsync("dotnet", [EngramDll, "trust", repo.Root], environment, TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, output);
        await WaitUntilAsync(() => messages.Any(m => m.Level == "info" && m.Text.Contains("1 model(s): m", StringComparison.Ordinal)));
        var answered = (await client.CallAsync("research", new { question = "How is an invoice total computed?", depth = 1 })).Json();
        Assert.True(answered.GetProperty("usage").GetProperty("modelCalls").GetInt32() >= 1);
        Assert.NotEmpty(endpoint.Requests);
        Assert.All(endpoint.Requests, r => Assert.Equal("Bearer " + marker, r.Headers["authorization"]));
        Assert.True((await client.CallAsync("models_status")).Json().GetProperty("workspaceTrust").GetProperty("trusted").GetBoolean());
        Assert.Equal(1, Notices());
        Assert.Single(stderr, line => line.Contains(command, StringComparison.Ordinal));
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment, TimeSpan limit)
    {
        var start = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, $"{await stdout}\n{await stderr}");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 60 s");
            await Task.Delay(25);
        }
    }
}
