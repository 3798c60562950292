using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Routing;

public sealed class BudgetChatClientTests
{
    private static readonly DateTimeOffset s_noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    // 10 USD / 30 USD per million tokens: 1024 default output tokens alone are estimated at 0.03072 USD.
    private static readonly ModelDefinition s_model = new()
    {
        Name = "cloud",
        Provider = ModelProvider.OpenAI,
        Capabilities = [ModelCapability.Chat],
        CostPerMillionInput = 10m,
        CostPerMillionOutput = 30m,
    };

    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "12345678")]; // 4 + 2 estimated tokens

    [Fact]
    public async Task PerRequestCapRefusesBeforeCalling()
    {
        var (client, inner, ledger) = Create(new BudgetDefinition { PerRequestUsd = 0.01m });

        var e = await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync(s_prompt));

        Assert.Empty(inner.Calls);
        Assert.Equal(("per-request", 0.01m, 0.03078m), (e.CapName, e.CapUsd, e.EstimatedCostUsd));
        var entry = Assert.Single(ledger.GetEntries());
        Assert.Equal((UsageOutcome.Refused, 0m), (entry.Outcome, entry.CostUsd));
    }

    [Fact]
    public async Task MaxOutputTokensLowersTheEstimate()
    {
        var (client, inner, _) = Create(new BudgetDefinition { PerRequestUsd = 0.01m }, FakeStep.Reply("ok"));

        await client.GetResponseAsync(s_prompt, new ChatOptions { MaxOutputTokens = 100 });

        Assert.Single(inner.Calls);
    }

    [Fact]
    public async Task DailyCapCountsOnlyTodaysSpend()
    {
        var (client, inner, ledger) = Create(new BudgetDefinition { DailyUsd = 1m }, FakeStep.Reply("ok"));
        ledger.Record(new UsageEntry(s_noon.AddDays(-1), ModelTask.Dialogue, "cloud", 0, 0, 0.99m, 1, UsageOutcome.Success));

        await client.GetResponseAsync(s_prompt); // yesterday's spend does not count
        ledger.Record(new UsageEntry(s_noon.AddHours(-11), ModelTask.Dialogue, "cloud", 0, 0, 0.99m, 1, UsageOutcome.Success));
        var e = await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync(s_prompt));

        Assert.Equal("daily", e.CapName);
        Assert.Single(inner.Calls);
    }

    [Fact]
    public async Task RecordsActualUsageAfterTheCall()
    {
        var (client, _, ledger) = Create(new BudgetDefinition { PerRequestUsd = 1m }, FakeStep.Reply("answer", input: 1000, output: 500));

        await client.GetResponseAsync(s_prompt);

        var entry = Assert.Single(ledger.GetEntries());
        Assert.Equal(new UsageEntry(s_noon, ModelTask.Review, "cloud", 1000, 500, 0.025m, entry.LatencyMs, UsageOutcome.Success), entry);
        Assert.Equal(0.025m, ledger.GetSpentUsd(s_noon.Date, s_noon.Date.AddDays(1)));
    }

    [Fact]
    public async Task RecordsStreamedUsage()
    {
        var (client, _, ledger) = Create(new BudgetDefinition(), FakeStep.Reply("a b c", input: 2000, output: 100));

        var text = string.Concat((await client.GetStreamingResponseAsync(s_prompt).ToListAsync()).Select(u => u.Text));

        Assert.Equal("a b c", text);
        var entry = Assert.Single(ledger.GetEntries());
        Assert.Equal((2000L, 100L, 0.023m, UsageOutcome.Success), (entry.InputTokens, entry.OutputTokens, entry.CostUsd, entry.Outcome));
    }

    [Fact]
    public async Task EstimatesUsageWhenTheProviderReportsNone()
    {
        var (client, _, ledger) = Create(new BudgetDefinition(), FakeStep.Reply("12345678")); // 2 output tokens

        await client.GetResponseAsync(s_prompt);

        var entry = Assert.Single(ledger.GetEntries());
        Assert.Equal((6L, 2L), (entry.InputTokens, entry.OutputTokens));
    }

    [Fact]
    public async Task RecordsFailuresAtZeroCost()
    {
        var (client, _, ledger) = Create(new BudgetDefinition(), FakeStep.Fail(new InvalidOperationException("boom")));

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync(s_prompt));

        var entry = Assert.Single(ledger.GetEntries());
        Assert.Equal((UsageOutcome.Failed, 0m), (entry.Outcome, entry.CostUsd));
    }

    [Fact]
    public async Task CapsOutputTokensAtTheEstimatedAllowance()
    {
        var (client, inner, _) = Create(new BudgetDefinition { DailyUsd = 1m }, FakeStep.Reply("ok"), FakeStep.Reply("ok"));

        await client.GetResponseAsync(s_prompt);
        await client.GetResponseAsync(s_prompt, new ChatOptions { MaxOutputTokens = 7 });

        Assert.Equal([1024, 7], inner.OptionsSeen.Select(o => o?.MaxOutputTokens));
    }

    [Fact]
    public async Task ConcurrentRequestsCannotTogetherPassTheDailyCap()
    {
        // Each request is estimated at 0.03078 USD: three fit under 0.1, a fourth would not.
        var gate = new TaskCompletionSource();
        var (client, inner, ledger) = Create(new BudgetDefinition { DailyUsd = 0.1m }, [.. Enumerable.Repeat(FakeStep.Reply("ok", input: 6, output: 1024), 10)]);
        inner.Gate = gate.Task;

        // Each call runs synchronously up to the gate, so all ten are in flight together before any completes.
        var calls = Enumerable.Range(0, 10).Select(_ => client.GetResponseAsync(s_prompt)).ToList();
        var refused = calls.Count(c => c.IsFaulted && c.Exception!.InnerException is BudgetExceededException);
        gate.SetResult();
        await Task.WhenAll(calls.Where(c => !c.IsFaulted));

        Assert.Equal((3, 7), (inner.Calls.Count, refused));
        Assert.Equal(0.09234m, ledger.GetSpentUsd(s_noon.Date, s_noon.Date.AddDays(1)));
        Assert.Equal(0m, ledger.ReservedUsd);
    }

    private static (IChatClient Client, FakeChatClient Inner, InMemoryUsageLedger Ledger) Create(BudgetDefinition budgets, params FakeStep[] script)
    {
        var inner = new FakeChatClient(script);
        var ledger = new InMemoryUsageLedger();
        var options = new BudgetChatClientOptions { Budgets = budgets, Task = ModelTask.Review, TimeProvider = new FixedTimeProvider(s_noon) };
        var client = new ChatClientBuilder(inner).UseBudget(s_model, ledger, options).Build();
        return (client, inner, ledger);
    }
}
