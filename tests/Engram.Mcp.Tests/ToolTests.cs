using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Engram.Mcp.Tests;

public sealed class ToolTests
{
    private static readonly string[] s_tools =
    [
        "search_code", "read_code", "related", "research", "review_changes", "explain", "generate_docs",
        "dialogue_run", "dialogue_resume", "dialogue_list", "dialogue_get", "index_status", "index_update", "models_status", "usage",
    ];

    [Fact]
    public async Task Every_tool_is_listed_with_a_description_on_it_and_on_each_parameter()
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var tools = await client.ListToolsAsync();
        Assert.Equal(s_tools.Order(), tools.Select(t => t.Name).Order());
        foreach (var tool in tools)
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), tool.Name);
            var schema = tool.JsonSchema;
            if (schema.TryGetProperty("properties", out var properties))
            {
                foreach (var property in properties.EnumerateObject())
                {
                    Assert.True(property.Value.TryGetProperty("description", out var d) && d.GetString()!.Length > 5, $"{tool.Name}.{property.Name} has no description");
                }
            }
        }
    }

    [Fact]
    public async Task Search_code_returns_hits_with_location_symbol_score_snippet_commit_and_staleness()
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var json = (await client.CallAsync("search_code", new { query = "ComputeTotal tax rate", top = 3 })).Json();
        var hits = json.GetProperty("hits").EnumerateArray().ToList();
        Assert.InRange(hits.Count, 1, 3);
        var first = hits[0];
        Assert.Equal("src/Billing/InvoiceCalculator.cs", first.GetProperty("path").GetString());
        Assert.Equal("ComputeTotal", first.GetProperty("symbol").GetString());
        Assert.Equal(6, first.GetProperty("startLine").GetInt32()); // the doc comment's line
        Assert.True(first.GetProperty("endLine").GetInt32() >= 11);
        Assert.InRange(first.GetProperty("score").GetDouble(), 0.0001, 1);
        Assert.Contains("ComputeTotal", first.GetProperty("snippet").GetString());
        Assert.Equal(40, first.GetProperty("indexedCommit").GetString()!.Length);
        Assert.False(first.GetProperty("stale").GetBoolean());

        // Editing the file makes its hits stale.
        host.Repo.Write("src/Billing/InvoiceCalculator.cs", "// changed\n" + File.ReadAllText(Path.Combine(host.Repo.Root, "src/Billing/InvoiceCalculator.cs")));
        json = (await client.CallAsync("search_code", new { query = "ComputeTotal tax rate", top = 1 })).Json();
        Assert.True(json.GetProperty("hits")[0].GetProperty("stale").GetBoolean());
    }

    [Fact]
    public async Task Search_code_filters_by_path_glob_and_kind_and_rejects_bad_top()
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var json = (await client.CallAsync("search_code", new { query = "total price", top = 10, path_glob = "web/**/*.ts" })).Json();
        var paths = json.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("path").GetString()).ToList();
        Assert.NotEmpty(paths);
        Assert.All(paths, p => Assert.Equal("web/cart.ts", p));

        json = (await client.CallAsync("search_code", new { query = "total", top = 10, path_glob = "*.md" })).Json();
        Assert.All(json.GetProperty("hits").EnumerateArray(), h => Assert.Equal("docs/billing.md", h.GetProperty("path").GetString()));

        json = (await client.CallAsync("search_code", new { query = "invoice total", top = 10, kind = "type" })).Json();
        Assert.NotEmpty(json.GetProperty("hits").EnumerateArray());
        Assert.All(json.GetProperty("hits").EnumerateArray(), h => Assert.Equal("type", h.GetProperty("kind").GetString()));

        var bad = await client.CallAsync("search_code", new { query = "x", top = 0 });
        Assert.True(bad.IsError);
        Assert.Contains("top must be between 1 and 100", bad.Text());

        var empty = await client.CallAsync("search_code", new { query = "  " });
        Assert.True(empty.IsError);
        Assert.Contains("query is empty", empty.Text());
    }

    [Fact]
    public async Task Search_code_on_an_unindexed_workspace_says_to_call_index_update_which_reports_progress()
    {
        await using var host = await McpTestHost.StartAsync(index: false);
        var notes = new List<ProgressNotificationValue>();
        var progress = new SyncProgress(notes);
        var client = await host.ConnectWithProgressLogAsync(progress);
        var json = (await client.CallAsync("search_code", new { query = "invoice" })).Json();
        Assert.Empty(json.GetProperty("hits").EnumerateArray());
        Assert.Contains("index_update", json.GetProperty("message").GetString());

        var status = (await client.CallAsync("index_status")).Json();
        Assert.False(status.GetProperty("roots")[0].GetProperty("indexed").GetBoolean());

        var update = (await client.CallAsync("index_update", progress: new SyncProgress([]))).Json();
        var root = update.GetProperty("roots")[0];
        Assert.Equal(4, root.GetProperty("files").GetInt32());
        Assert.True(root.GetProperty("chunks").GetInt32() >= 8);
        await progress.WaitForAsync(n => n.Message == "indexing: 4/4 files" && n.Total == 4);
        await progress.WaitForAsync(n => n.Message == "finishing: 4/4 files" && n.Total == 4);

        status = (await client.CallAsync("index_status")).Json();
        Assert.True(status.GetProperty("roots")[0].GetProperty("indexed").GetBoolean());
        Assert.Equal(40, status.GetProperty("roots")[0].GetProperty("indexedCommit").GetString()!.Length);
        json = (await client.CallAsync("search_code", new { query = "invoice" })).Json();
        Assert.NotEmpty(json.GetProperty("hits").EnumerateArray());
    }

    [Fact]
    public async Task Read_code_returns_the_exact_text_of_a_range_and_clamps_the_end()
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var json = (await client.CallAsync("read_code", new { path = "src/Shipping/ShippingRates.cs", start_line = 7, end_line = 8 })).Json();
        Assert.Equal("    public static decimal CostForWeight(double kilograms)\n    {\n", json.GetProperty("text").GetString());
        Assert.Equal(7, json.GetProperty("startLine").GetInt32());
        Assert.Equal(8, json.GetProperty("endLine").GetInt32());

        var all = (await client.CallAsync("read_code", new { path = Path.Combine(host.Repo.Root, "web/cart.ts"), start_line = 1, end_line = 999 })).Json();
        Assert.Equal(File.ReadAllText(Path.Combine(host.Repo.Root, "web/cart.ts")), all.GetProperty("text").GetString());
        Assert.Equal(all.GetProperty("totalLines").GetInt32(), all.GetProperty("endLine").GetInt32());

        var past = await client.CallAsync("read_code", new { path = "web/cart.ts", start_line = 500, end_line = 501 });
        Assert.True(past.IsError);
        Assert.Contains("past the end", past.Text());
        var inverted = await client.CallAsync("read_code", new { path = "web/cart.ts", start_line = 3, end_line = 2 });
        Assert.True(inverted.IsError);
        Assert.Contains("invalid range", inverted.Text());
        var missing = await client.CallAsync("read_code", new { path = "nope.cs", start_line = 1, end_line = 1 });
        Assert.True(missing.IsError);
        Assert.Contains("does not exist", missing.Text());
    }

    [Fact]
    public async Task Model_backed_tools_without_a_model_fail_with_how_to_configure_one()
    {
        await using var host = await McpTestHost.StartAsync(chat: null);
        var client = await host.ConnectAsync();
        foreach (var (tool, args) in new (string, object)[]
        {
            ("review_changes", new { }),
            ("explain", new { path = "web/cart.ts", line = 1 }),
        })
        {
            var result = await client.CallAsync(tool, args);
            Assert.True(result.IsError, tool);
            Assert.Contains("No model is configured", result.Text());
            Assert.Contains("engram.json", result.Text());
        }
    }

    [Fact]
    public async Task Models_status_and_usage_report_the_configuration_and_the_ledger()
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var status = (await client.CallAsync("models_status")).Json();
        Assert.Empty(status.GetProperty("models").EnumerateArray());
        Assert.Contains("engram models pull", status.GetProperty("message").GetString());
        Assert.Equal(7, status.GetProperty("routes").GetArrayLength());

        host.Ledger.Record(new Engram.Models.Routing.UsageEntry(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero),
            Engram.Models.Configuration.ModelTask.Research, "m1", 1000, 200, 0.25m, 120, Engram.Models.Routing.UsageOutcome.Success));
        host.Ledger.Record(new Engram.Models.Routing.UsageEntry(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero),
            Engram.Models.Configuration.ModelTask.Review, "m1", 500, 100, 0.10m, 80, Engram.Models.Routing.UsageOutcome.Failed));
        var usage = (await client.CallAsync("usage")).Json();
        Assert.Equal(2, usage.GetProperty("total").GetProperty("calls").GetInt32());
        Assert.Equal(0.35m, usage.GetProperty("total").GetProperty("costUsd").GetDecimal());
        Assert.Equal(1, usage.GetProperty("total").GetProperty("failures").GetInt32());
        var since = (await client.CallAsync("usage", new { since = "2026-11-21" })).Json();
        Assert.Equal(1, since.GetProperty("total").GetProperty("calls").GetInt32());
        Assert.Equal("review", since.GetProperty("rows")[0].GetProperty("task").GetString());
        var bad = await client.CallAsync("usage", new { since = "yesterday" });
        Assert.True(bad.IsError);
        Assert.Contains("YYYY-MM-DD", bad.Text());
    }

    [Fact]
    public async Task Tool_errors_on_unknown_dialogue_format_are_clear()
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var result = await client.CallAsync("dialogue_get", new { id = "x", format = "pdf" });
        Assert.True(result.IsError);
        Assert.Contains("unknown format 'pdf'", result.Text());
    }

    public sealed class SyncProgress(List<ProgressNotificationValue> sink) : IProgress<ProgressNotificationValue>
    {
        private readonly List<(Func<ProgressNotificationValue, bool> Match, TaskCompletionSource Done)> _waiters = [];

        public void Report(ProgressNotificationValue value)
        {
            lock (sink)
            {
                sink.Add(value);
                foreach (var waiter in _waiters.Where(w => w.Match(value)))
                {
                    waiter.Done.TrySetResult();
                }
            }
        }

        public Task WaitForAsync(Func<ProgressNotificationValue, bool> match)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (sink)
            {
                if (sink.Any(match))
                {
                    return Task.CompletedTask;
                }

                _waiters.Add((match, done));
            }

            return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
