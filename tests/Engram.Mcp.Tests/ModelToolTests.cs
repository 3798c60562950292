using System.Text.Json;
using System.Text.RegularExpressions;
using LibGit2Sharp;
using Microsoft.Extensions.AI;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Engram.Mcp.Tests;

public sealed partial class ModelToolTests
{
    [Fact]
    public async Task Research_answers_with_verified_citations_steps_usage_and_progress()
    {
        var fake = new FakeChatClient((messages, call) => call == 0
            ? "[\"ComputeTotal tax\", \"RoundToCents\"]"
            : $"Line totals are summed, then taxed ({FirstLabel(messages)}). Also (src/Imaginary.cs:1-9).");
        await using var host = await McpTestHost.StartAsync(fake);
        var notes = new List<ProgressNotificationValue>();
        var progress = new ToolTests.SyncProgress(notes);
        var client = await host.ConnectWithProgressLogAsync(progress);
        var json = (await client.CallAsync("research", new { question = "How is an invoice total computed?", depth = 2 }, new ToolTests.SyncProgress([]))).Json();

        Assert.False(json.GetProperty("extractive").GetBoolean());
        var citation = Assert.Single(json.GetProperty("citations").EnumerateArray());
        Assert.Equal(FirstLabel(fake.Requests[1]), $"{citation.GetProperty("path").GetString()}:{citation.GetProperty("startLine").GetInt32()}-{citation.GetProperty("endLine").GetInt32()}");
        Assert.DoesNotContain("Imaginary", json.GetProperty("answer").GetString());
        Assert.Equal(2, json.GetProperty("usage").GetProperty("modelCalls").GetInt32());
        Assert.Equal(["plan", "retrieve", "retrieve", "read", "synthesize", "verify"],
            json.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("kind").GetString()));
        await progress.WaitForAsync(n => n.Message!.StartsWith("verify:", StringComparison.Ordinal));
        await progress.WaitForAsync(n => n.Message!.StartsWith("plan:", StringComparison.Ordinal));

        // The calls went through the router into the usage ledger.
        var usage = (await client.CallAsync("usage")).Json();
        Assert.Equal(2, usage.GetProperty("total").GetProperty("calls").GetInt32());
        Assert.Equal("research", usage.GetProperty("rows")[0].GetProperty("task").GetString());
    }

    [Fact]
    public async Task Research_without_a_model_is_extractive_and_labelled()
    {
        await using var host = await McpTestHost.StartAsync(chat: null);
        var client = await host.ConnectAsync();
        var json = (await client.CallAsync("research", new { question = "rounding to cents" })).Json();
        Assert.True(json.GetProperty("extractive").GetBoolean());
        Assert.StartsWith("**Extractive answer**", json.GetProperty("answer").GetString());
        Assert.NotEmpty(json.GetProperty("citations").EnumerateArray());
        var bad = await client.CallAsync("research", new { question = "x", depth = 9 });
        Assert.True(bad.IsError);
        Assert.Contains("depth must be between 1 and 5", bad.Text());
    }

    [Fact]
    public async Task Cancelling_a_research_call_cancels_the_model_call()
    {
        var fake = new FakeChatClient((_, _) => "[]", TimeSpan.FromSeconds(60));
        await using var host = await McpTestHost.StartAsync(fake);
        var client = await host.ConnectAsync();
        using var cts = new CancellationTokenSource();
        var call = client.CallAsync("research", new { question = "anything" }, cancellationToken: cts.Token);
        while (fake.Calls == 0)
        {
            await Task.Yield();
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!fake.SawCancellation && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.True(fake.SawCancellation, "the server did not cancel the model call");
        // The session still works.
        Assert.NotEqual(true, (await client.CallAsync("index_status")).IsError);
    }

    [Fact]
    public async Task Related_returns_neighbours_of_the_chunk_at_a_line()
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var json = (await client.CallAsync("related", new { path = "src/Billing/InvoiceCalculator.cs", line = 8 })).Json();
        var hits = json.GetProperty("hits").EnumerateArray().ToList();
        Assert.NotEmpty(hits);
        Assert.All(hits, h => Assert.InRange(h.GetProperty("score").GetDouble(), 0, 1));
        var escape = await client.CallAsync("related", new { path = "../x.cs", line = 1 });
        Assert.True(escape.IsError);
    }

    [Fact]
    public async Task Explain_returns_the_models_markdown()
    {
        var fake = new FakeChatClient((_, _) => "It sums the lines and adds tax.");
        await using var host = await McpTestHost.StartAsync(fake);
        var client = await host.ConnectAsync();
        var json = (await client.CallAsync("explain", new { path = "src/Billing/InvoiceCalculator.cs", line = 7, end_line = 11 })).Json();
        Assert.Contains("It sums the lines and adds tax.", json.GetProperty("markdown").GetString());
        Assert.Contains("ComputeTotal", string.Join('\n', fake.Requests[0].Select(m => m.Text)));
        var past = await client.CallAsync("explain", new { path = "src/Billing/InvoiceCalculator.cs", line = 99 });
        Assert.True(past.IsError);
        Assert.Contains("has 15 lines", past.Text());
    }

    [Fact]
    public async Task Generate_docs_proposes_an_edit_and_falls_back_to_the_skeleton_without_a_model()
    {
        await using var host = await McpTestHost.StartAsync(chat: null);
        var client = await host.ConnectAsync();
        var json = (await client.CallAsync("generate_docs", new { path = "web/cart.ts", line = 1 })).Json();
        Assert.False(json.GetProperty("usedModel").GetBoolean());
        Assert.Equal("jsdoc", json.GetProperty("convention").GetString());
        Assert.Equal(1, json.GetProperty("edit").GetProperty("insertLine").GetInt32());
        Assert.StartsWith("/**", json.GetProperty("edit").GetProperty("text").GetString());
        // Nothing was written.
        Assert.StartsWith("export function cartTotal", File.ReadAllText(Path.Combine(host.Repo.Root, "web/cart.ts")));
    }

    [Fact]
    public async Task Review_changes_reviews_the_working_tree_and_returns_validated_findings()
    {
        var fake = new FakeChatClient((_, _) =>
            "{\"findings\":[{\"path\":\"web/cart.ts\",\"startLine\":2,\"endLine\":2,\"severity\":\"warning\",\"code\":\"rounding\",\"message\":\"Money in floating point.\",\"suggestedFix\":null}," +
            "{\"path\":\"web/cart.ts\",\"startLine\":40,\"endLine\":41,\"severity\":\"error\",\"code\":\"x\",\"message\":\"outside\",\"suggestedFix\":null}]}");
        await using var host = await McpTestHost.StartAsync(fake);
        host.Repo.Write("web/cart.ts", """
            export function cartTotal(items: { price: number; qty: number }[]): number {
              return items.reduce((sum, item) => sum + item.price * item.qty * 1.0, 0);
            }

            export function formatPrice(value: number): string {
              return value.toFixed(2) + " EUR";
            }
            """);
        var client = await host.ConnectAsync();
        var json = (await client.CallAsync("review_changes")).Json();
        Assert.Equal(["web/cart.ts"], json.GetProperty("reviewedPaths").EnumerateArray().Select(p => p.GetString()));
        var finding = Assert.Single(json.GetProperty("findings").EnumerateArray());
        Assert.Equal(2, finding.GetProperty("startLine").GetInt32());
        Assert.Equal("warning", finding.GetProperty("severity").GetString());
        Assert.Equal(1, json.GetProperty("dropped").GetInt32());

        var refused = await client.CallAsync("review_changes", new { paths = new[] { "/etc/passwd" } });
        Assert.True(refused.IsError);
        Assert.Contains("outside the workspace", refused.Text());
        var badBase = await client.CallAsync("review_changes", new { @base = "no-such-branch" });
        Assert.True(badBase.IsError);
    }

    [Fact]
    public async Task Dialogues_run_list_get_and_serve_their_transcript_as_a_resource()
    {
        var fake = new FakeChatClient((messages, call) => $"Turn {call}: a considered position.");
        await using var host = await McpTestHost.StartAsync(fake);
        var client = await host.ConnectAsync();
        var notes = new List<ProgressNotificationValue>();
        var run = (await client.CallAsync("dialogue_run", new { mode = "debate", topic = "Tabs beat spaces", max_cost = 1.0 }, new ToolTests.SyncProgress(notes))).Json();
        var id = run.GetProperty("id").GetString()!;
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(3, run.GetProperty("turns").GetInt32());
        Assert.NotEmpty(notes);

        var list = (await client.CallAsync("dialogue_list")).Json();
        Assert.Contains(list.GetProperty("dialogues").EnumerateArray(), d => d.GetProperty("id").GetString() == id);
        var markdown = (await client.CallAsync("dialogue_get", new { id })).Text();
        Assert.Contains("Tabs beat spaces", markdown);
        using (var document = JsonDocument.Parse((await client.CallAsync("dialogue_get", new { id, format = "json" })).Text()))
        {
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        }

        var resource = await client.ReadResourceAsync($"engram://dialogues/{id}");
        Assert.Contains("Tabs beat spaces", Assert.IsType<TextResourceContents>(resource.Contents[0]).Text);

        var unknown = await client.CallAsync("dialogue_run", new { mode = "no-such-mode", topic = "x" });
        Assert.True(unknown.IsError);
        Assert.Contains("debate", unknown.Text());
        var missing = await client.CallAsync("dialogue_resume", new { id = "NOPE" });
        Assert.True(missing.IsError);
        Assert.Contains("NOPE", missing.Text());

        var completion = await client.CompleteAsync(new ResourceTemplateReference { Uri = "engram://dialogues/{id}" }, "id", id[..4]);
        Assert.Contains(id, completion.Completion.Values);
    }

    private static string FirstLabel(IReadOnlyList<ChatMessage> messages) =>
        LabelPattern().Match(string.Join('\n', messages.Select(m => m.Text))).Groups[1].Value;

    [GeneratedRegex(@"^### (\S+:\d+-\d+)", RegexOptions.Multiline)]
    private static partial Regex LabelPattern();
}
