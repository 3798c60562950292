using System.Diagnostics;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Engram.Models.Tests.Routing;

public sealed class ModelRouterOutcomeTests
{
    private const string Config = """
        {
          "models": [
            { "name": "first", "provider": "openai", "capabilities": ["chat"], "costPerMillionInput": 1, "costPerMillionOutput": 2 },
            { "name": "second", "provider": "openai", "capabilities": ["chat"] },
          ],
          "routes": { "dialogue": { "preferred": ["first", "second"] } },
          "budgets": { "dailyUsd": 100 },
        }
        """;

    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "secret prompt text")];

    private static readonly ModelRouterOptions s_noRetries = new()
    {
        Fallback = new FallbackChatClientOptions { MaxRetries = 0 },
        CircuitBreaker = new CircuitBreakerOptions { FailureThreshold = 1000 },
    };

    [Fact]
    public async Task ModelThatKeepsFailingIsDemotedOnceThereIsEnoughEvidence()
    {
        var fakes = new Dictionary<string, FakeChatClient>
        {
            ["first"] = new([.. Enumerable.Repeat(FakeStep.Fail(new InvalidOperationException("down")), 5)]),
            ["second"] = new([.. Enumerable.Range(0, 8).Select(i => FakeStep.Reply($"second {i}"))]),
        };
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), m => fakes[m.Name]);
        var router = new ModelRouter(registry, new InMemoryUsageLedger(), s_noRetries);
        var client = router.GetChatClient(ModelTask.Dialogue);

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal("second", (await client.GetResponseAsync(s_prompt)).ModelId);
        }

        // Five failures (the minimum sample) demote "first": the last three requests went straight to "second".
        Assert.Equal(5, fakes["first"].Calls.Count);
        Assert.Equal(["second", "first"], client.GetService<FallbackChatClient>()!.Candidates.Select(c => c.ModelId));
        Assert.Equal(new OutcomeStats(5, 0, null), router.Outcomes.GetStats("first", ModelTask.Dialogue));
    }

    [Fact]
    public async Task DisabledOutcomesKeepTheConfiguredOrder()
    {
        var fakes = new Dictionary<string, FakeChatClient>
        {
            ["first"] = new([.. Enumerable.Repeat(FakeStep.Fail(new InvalidOperationException("down")), 8)]),
            ["second"] = new([.. Enumerable.Range(0, 8).Select(i => FakeStep.Reply($"second {i}"))]),
        };
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), m => fakes[m.Name]);
        var router = new ModelRouter(registry, new InMemoryUsageLedger(), s_noRetries with { Outcomes = new OutcomeRoutingOptions { Enabled = false } });

        for (var i = 0; i < 8; i++)
        {
            await router.GetChatClient(ModelTask.Dialogue).GetResponseAsync(s_prompt);
        }

        Assert.Equal(8, fakes["first"].Calls.Count);
    }

    [Fact]
    public async Task CallerCorrelationIdReachesLedgerLogsAndResponseButNotTheProvider()
    {
        var fakes = new Dictionary<string, FakeChatClient>
        {
            ["first"] = new(FakeStep.Fail(new InvalidOperationException("down"))),
            ["second"] = new(FakeStep.Reply("hello", input: 3, output: 2)),
        };
        var logger = new CapturingLogger();
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), m => fakes[m.Name]);
        var router = new ModelRouter(registry, new InMemoryUsageLedger(), s_noRetries with { Logger = logger });
        var options = new ChatOptions { AdditionalProperties = new() { [ModelRouter.CorrelationIdPropertyName] = "req-42" } };

        var response = await router.GetChatClient(ModelTask.Dialogue).GetResponseAsync(s_prompt, options);

        Assert.Equal("req-42", response.AdditionalProperties?[ModelRouter.CorrelationIdPropertyName]);
        Assert.Equal("req-42", options.AdditionalProperties[ModelRouter.CorrelationIdPropertyName]); // the caller's options are untouched
        Assert.All(fakes.Values.SelectMany(f => f.OptionsSeen), o => Assert.False(o?.AdditionalProperties?.ContainsKey(ModelRouter.CorrelationIdPropertyName) ?? false));
        Assert.Equal([("first", UsageOutcome.Failed, "req-42"), ("second", UsageOutcome.Success, "req-42")], router.Ledger.GetEntries().Select(e => (e.Model, e.Outcome, e.CorrelationId)));

        var logs = logger.Logs.ToArray();
        Assert.Equal(2, logs.Length);
        Assert.All(logs, l => Assert.Equal(LogLevel.Information, l.Level));
        Assert.Equal([("req-42", (object?)ModelTask.Dialogue, "first"), ("req-42", ModelTask.Dialogue, "second")], logs.Select(l => (l.Scope["CorrelationId"], l.Scope["Task"], l.Scope["Model"])));
        Assert.Equal(("second", (object?)UsageOutcome.Success, (object?)3L, (object?)2L), ((string)logs[1].State["Model"]!, logs[1].State["Outcome"], logs[1].State["InputTokens"], logs[1].State["OutputTokens"]));
        Assert.Contains("LatencyMs", logs[1].State.Keys);
        Assert.All(logs, l => Assert.DoesNotContain("secret", l.Message));
        Assert.All(logs, l => Assert.DoesNotContain("hello", l.Message));
    }

    [Fact]
    public async Task CorrelationIdFallsBackToTraceIdThenToAGuid()
    {
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), _ => new FakeChatClient(FakeStep.Reply("a"), FakeStep.Reply("b")));
        var router = new ModelRouter(registry, new InMemoryUsageLedger());
        var client = router.GetChatClient(ModelTask.Dialogue);

        string traceId;
        using (var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            traceId = activity.TraceId.ToHexString();
            await client.GetResponseAsync(s_prompt);
        }

        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            await client.GetResponseAsync(s_prompt);
        }
        finally
        {
            Activity.Current = previous;
        }

        var ids = router.Ledger.GetEntries().Select(e => e.CorrelationId).ToArray();
        Assert.Equal(traceId, ids[0]);
        Assert.Matches("^[0-9a-f]{32}$", ids[1]);
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task StreamingRequestsCarryTheCorrelationIdToo()
    {
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), _ => new FakeChatClient(FakeStep.Reply("one two")));
        var router = new ModelRouter(registry, new InMemoryUsageLedger());
        var options = new ChatOptions { AdditionalProperties = new() { [ModelRouter.CorrelationIdPropertyName] = "stream-1" } };

        var updates = await router.GetChatClient(ModelTask.Dialogue).GetStreamingResponseAsync(s_prompt, options).ToListAsync();

        Assert.Equal("stream-1", updates[0].AdditionalProperties?[ModelRouter.CorrelationIdPropertyName]);
        Assert.Equal("stream-1", Assert.Single(router.Ledger.GetEntries()).CorrelationId);
    }

    [Fact]
    public async Task SqliteLedgerStoresTheCorrelationId()
    {
        var path = Path.Combine(Path.GetTempPath(), $"engram-usage-{Guid.NewGuid():N}.db");
        try
        {
            using (var ledger = new SqliteUsageLedger(path))
            {
                using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), _ => new FakeChatClient(FakeStep.Reply("a")));
                var router = new ModelRouter(registry, ledger);
                var options = new ChatOptions { AdditionalProperties = new() { [ModelRouter.CorrelationIdPropertyName] = "sql-7" } };
                await router.GetChatClient(ModelTask.Dialogue).GetResponseAsync(s_prompt, options);
                ledger.Record(new UsageEntry(DateTimeOffset.UtcNow, ModelTask.Review, "x", 0, 0, 0, 0, UsageOutcome.Refused));
            }

            using var reopened = new SqliteUsageLedger(path);
            Assert.Equal(["sql-7", null], reopened.GetEntries().Select(e => e.CorrelationId));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
