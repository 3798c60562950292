using System.Text.Json;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Engram.Models.Tests.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Routing;

public sealed class BudgetScopeTests
{
    private static readonly DateTimeOffset s_noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    // 10 USD / 30 USD per million tokens: with 1024 default output tokens, s_prompt is estimated at 0.03078 USD.
    private static readonly ModelDefinition s_model = new()
    {
        Name = "cloud",
        Provider = ModelProvider.OpenAI,
        Capabilities = [ModelCapability.Chat],
        CostPerMillionInput = 10m,
        CostPerMillionOutput = 30m,
    };

    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "12345678")]; // 4 + 2 estimated tokens

    private const decimal Estimate = 0.03078m;

    [Fact]
    public async Task ScopeCapRefusesBeforeTheProviderIsCalled()
    {
        var (client, inner, ledger) = Create(new InMemoryUsageLedger(), FakeStep.Reply("never"));

        var e = await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync(s_prompt, new ChatOptions().WithBudgetScope("session-1", 0.03m)));

        Assert.Empty(inner.Calls);
        Assert.Equal(("scope", 0.03m, Estimate), (e.CapName, e.CapUsd, e.EstimatedCostUsd));
        var entry = Assert.Single(ledger.GetEntries());
        Assert.Equal((UsageOutcome.Refused, 0m, "session-1"), (entry.Outcome, entry.CostUsd, entry.BudgetScope));
        Assert.Equal(0m, ledger.ReservedUsd);
    }

    [Fact]
    public async Task ScopeSpendAccumulatesAndDoesNotAffectOtherScopes()
    {
        var (client, inner, ledger) = Create(
            new InMemoryUsageLedger(),
            FakeStep.Reply("a", input: 1000, output: 500),
            FakeStep.Reply("b", input: 1000, output: 500));

        await client.GetResponseAsync(s_prompt, new ChatOptions().WithBudgetScope("a", 0.05m)); // 0.025 spent in "a"
        await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync(s_prompt, new ChatOptions().WithBudgetScope("a", 0.05m)));
        await client.GetResponseAsync(s_prompt, new ChatOptions().WithBudgetScope("b", 0.05m));

        Assert.Equal(2, inner.Calls.Count);
        Assert.Equal((0.025m, 0.025m, 0m), (ledger.GetScopeSpentUsd("a"), ledger.GetScopeSpentUsd("b"), ledger.GetScopeSpentUsd("c")));
        Assert.Equal(
            [("a", UsageOutcome.Success), ("a", UsageOutcome.Refused), ("b", UsageOutcome.Success)],
            ledger.GetEntries().Select(x => (x.BudgetScope!, x.Outcome)));
    }

    [Fact]
    public async Task ScopeWithoutCapIsOnlyRecordedAndSendsNoOutputLimit()
    {
        var (client, inner, ledger) = Create(new InMemoryUsageLedger(), FakeStep.Reply("ok", input: 10, output: 10));

        await client.GetResponseAsync(s_prompt, new ChatOptions().WithBudgetScope("free"));

        Assert.Equal("free", Assert.Single(ledger.GetEntries()).BudgetScope);
        Assert.True(inner.OptionsSeen.TryPeek(out var seen));
        Assert.Null(seen?.MaxOutputTokens);
    }

    [Fact]
    public async Task HeldConcurrentRequestsReserveNoMoreThanTheScopeCap()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (client, inner, ledger) = Create(new InMemoryUsageLedger(), [.. Enumerable.Range(0, 20).Select(_ => FakeStep.Reply("ok", input: 6, output: 1024))]);
        inner.Gate = gate.Task;

        var calls = Enumerable.Range(0, 20)
            .Select(_ => Task.Run(() => client.GetResponseAsync(s_prompt, new ChatOptions().WithBudgetScope("held", 0.2m))))
            .ToList();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (calls.Count(c => c.IsFaulted) + inner.Calls.Count < 20 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.Equal(6, inner.Calls.Count); // ⌊0.2 / 0.03078⌋ reservations fit
        Assert.Equal(6 * Estimate, ledger.ReservedUsd);
        gate.SetResult();
        await Task.WhenAll(calls.Where(c => !c.IsFaulted));

        Assert.All(calls.Where(c => c.IsFaulted), c => Assert.IsType<BudgetExceededException>(c.Exception!.InnerException));
        Assert.Equal(6 * Estimate, ledger.GetScopeSpentUsd("held"));
        Assert.Equal(0m, ledger.ReservedUsd);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public async Task RandomConcurrentRequestsInOneScopeNeverPassItsCap(int seed, bool sqlite)
    {
        var random = new Random(seed);
        using var folder = new TempFolder();
        using var sqliteLedger = sqlite ? new SqliteUsageLedger(Path.Combine(folder.Path, "usage.db")) : null;
        IUsageLedger ledger = (IUsageLedger?)sqliteLedger ?? new InMemoryUsageLedger();
        const int Requests = 60;
        const decimal Cap = 0.25m;
        // Actual usage never above the estimate (≤ 6 input, ≤ 1024 output tokens), as the provider is held to MaxOutputTokens.
        var steps = Enumerable.Range(0, Requests)
            .Select(_ => new FakeStep("ok", Latency: TimeSpan.FromMilliseconds(random.Next(0, 4)), Usage: new UsageDetails { InputTokenCount = random.Next(1, 7), OutputTokenCount = random.Next(1, 1025) }))
            .ToArray();
        var scopes = Enumerable.Range(0, Requests).Select(_ => random.Next(3) == 0 ? "other" : "shared").ToArray();
        var (client, inner, _) = Create(ledger, steps);

        var calls = scopes.Select(scope => Task.Run(async () =>
        {
            try
            {
                await client.GetResponseAsync(s_prompt, new ChatOptions().WithBudgetScope(scope, Cap));
                return true;
            }
            catch (BudgetExceededException)
            {
                return false;
            }
        })).ToList();
        var succeeded = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.InRange(ledger.GetScopeSpentUsd("shared"), 0m, Cap);
        Assert.InRange(ledger.GetScopeSpentUsd("other"), 0m, Cap);
        Assert.Equal(succeeded.Count(s => s), inner.Calls.Count);
        Assert.Contains(false, succeeded); // the cap did bind
        Assert.True(succeeded.Count(s => s) >= 2 * 8, "each scope fits at least ⌊0.25 / 0.03078⌋ = 8 requests");
        Assert.Equal(Requests, ledger.GetEntries().Count);
        Assert.All(ledger.GetEntries(), e => Assert.Contains(e.BudgetScope, (string[])["shared", "other"]));
    }

    [Fact]
    public async Task DailyAndScopeReservationsAreBothReleasedWhenTheScopeRefuses()
    {
        var ledger = new InMemoryUsageLedger();
        var inner = new FakeChatClient();
        var options = new BudgetChatClientOptions { Budgets = new BudgetDefinition { DailyUsd = 10m }, TimeProvider = new FixedTimeProvider(s_noon) };
        var client = new BudgetChatClient(inner, s_model, ledger, options);

        await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync(s_prompt, new ChatOptions().WithBudgetScope("s", 0.01m)));

        Assert.Equal(0m, ledger.ReservedUsd);
        Assert.Empty(inner.Calls);
    }

    [Fact]
    public async Task RouterFallsBackToACheaperModelWhenTheScopeCapWouldBePassed()
    {
        const string Config = """
            {
              "models": [
                { "name": "cloud", "provider": "openai", "capabilities": ["chat"], "costPerMillionInput": 10, "costPerMillionOutput": 30 },
                { "name": "local", "provider": "local-gguf", "capabilities": ["chat"] },
              ],
              "routes": { "dialogue": { "preferred": ["cloud", "local"] } },
            }
            """;
        var fakes = new Dictionary<string, FakeChatClient>
        {
            ["cloud"] = new(FakeStep.Reply("cloud", input: 6, output: 1000)),
            ["local"] = new(FakeStep.Reply("local", input: 6, output: 10)),
        };
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), m => fakes[m.Name]);
        var router = new ModelRouter(registry, new InMemoryUsageLedger(), new ModelRouterOptions { TimeProvider = new FixedTimeProvider(s_noon) });
        var client = router.GetChatClient(ModelTask.Dialogue);

        var first = await client.GetResponseAsync(s_prompt, new ChatOptions().WithBudgetScope("dialogue-7", 0.05m));
        var second = await client.GetResponseAsync(s_prompt, new ChatOptions().WithBudgetScope("dialogue-7", 0.05m));

        Assert.Equal(("cloud", "local"), (first.ModelId, second.ModelId));
        Assert.Single(fakes["cloud"].Calls);
        Assert.Equal(
            [("cloud", UsageOutcome.Success), ("cloud", UsageOutcome.Refused), ("local", UsageOutcome.Success)],
            router.Ledger.GetEntries().Select(e => (e.Model, e.Outcome)));
        Assert.All(router.Ledger.GetEntries(), e => Assert.Equal("dialogue-7", e.BudgetScope));
        Assert.Equal(0.03006m, router.Ledger.GetScopeSpentUsd("dialogue-7"));
        // The provider never sees the router's scope properties.
        Assert.All(fakes.Values.SelectMany(f => f.OptionsSeen), o => Assert.False(o?.AdditionalProperties?.ContainsKey(BudgetScope.IdPropertyName) ?? false));
        Assert.All(fakes.Values.SelectMany(f => f.OptionsSeen), o => Assert.False(o?.AdditionalProperties?.ContainsKey(BudgetScope.MaxUsdPropertyName) ?? false));
    }

    [Fact]
    public void OptionsCarryTheScope()
    {
        var options = new ChatOptions().WithBudgetScope(new BudgetScope("s", 0.05m));

        Assert.Equal("s", options.AdditionalProperties![BudgetScope.IdPropertyName]);
        Assert.Equal(0.05d, options.AdditionalProperties[BudgetScope.MaxUsdPropertyName]);
        Assert.Equal(new BudgetScope("s", 0.05m), BudgetScope.FromOptions(options));
        Assert.Equal(new BudgetScope("s"), BudgetScope.FromOptions(options.WithBudgetScope("s")));
        Assert.Null(BudgetScope.FromOptions(new ChatOptions()));
        Assert.Null(BudgetScope.FromOptions(null));
    }

    [Theory]
    [InlineData("0.5", 0.5)]
    [InlineData("json", 0.25)]
    [InlineData("decimal", 2)]
    [InlineData("int", 3)]
    public void CapIsReadFromCommonNumberTypes(string kind, double expected)
    {
        object value = kind switch
        {
            "json" => JsonDocument.Parse("0.25").RootElement.Clone(),
            "decimal" => 2m,
            "int" => 3,
            _ => kind,
        };
        var options = new ChatOptions { AdditionalProperties = new() { [BudgetScope.IdPropertyName] = "s", [BudgetScope.MaxUsdPropertyName] = value } };

        Assert.Equal((decimal)expected, BudgetScope.FromOptions(options)!.MaxUsd);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(true)]
    public void InvalidCapIsAnArgumentError(object value)
    {
        var options = new ChatOptions { AdditionalProperties = new() { [BudgetScope.IdPropertyName] = "s", [BudgetScope.MaxUsdPropertyName] = value } };

        Assert.Throws<ArgumentException>(() => BudgetScope.FromOptions(options));
    }

    [Fact]
    public void DefaultInterfaceMethodsWorkForOtherLedgers()
    {
        IUsageLedger ledger = new MinimalLedger();
        ledger.Record(new UsageEntry(s_noon, ModelTask.Dialogue, "cloud", 1, 1, 0.1m, 1, UsageOutcome.Success) { BudgetScope = "s" });
        ledger.Record(new UsageEntry(s_noon, ModelTask.Dialogue, "cloud", 1, 1, 0.5m, 1, UsageOutcome.Success) { BudgetScope = "t" });

        Assert.Equal(0.1m, ledger.GetScopeSpentUsd("s"));
        using var held = ledger.TryReserveScope("s", 0.2m, 0.35m);
        Assert.NotNull(held);
        Assert.Null(ledger.TryReserveScope("s", 0.1m, 0.35m));
        Assert.NotNull(ledger.TryReserveScope("u", 0.3m, 0.35m));
        held.Dispose();
        Assert.NotNull(ledger.TryReserveScope("s", 0.25m, 0.35m));
    }

    [Fact]
    public void SqliteLedgerPersistsScopesAndMigratesVersion1Files()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "usage.db");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE usage (ts INTEGER NOT NULL, task TEXT NOT NULL, model TEXT NOT NULL, input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL, latency_ms REAL NOT NULL, outcome TEXT NOT NULL, correlation_id TEXT);
                CREATE INDEX usage_ts ON usage (ts);
                INSERT INTO usage VALUES (1000, 'Dialogue', 'cloud', 1, 2, 0.5, 3, 'Success', 'c1');
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }

        using (var ledger = new SqliteUsageLedger(path))
        {
            Assert.Null(Assert.Single(ledger.GetEntries()).BudgetScope);
            ledger.Record(new UsageEntry(s_noon, ModelTask.Dialogue, "cloud", 1, 1, 0.1m, 1, UsageOutcome.Success) { BudgetScope = "s" });
            using var reservation = ledger.TryReserveScope("s", 0.2m, 0.3m);
            Assert.NotNull(reservation);
            Assert.Null(ledger.TryReserveScope("s", 0.01m, 0.3m));
        }

        using var reopened = new SqliteUsageLedger(path);
        Assert.Equal([null, "s"], reopened.GetEntries().Select(e => e.BudgetScope));
        Assert.Equal(0.1m, reopened.GetScopeSpentUsd("s"));
        Assert.Equal(0.6m, reopened.GetSpentUsd(DateTimeOffset.UnixEpoch, s_noon.AddDays(1)));
        using var check = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        check.Open();
        using var version = check.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        Assert.Equal((long)SqliteUsageLedger.SchemaVersion, (long)version.ExecuteScalar()!);
    }

    private static (IChatClient Client, FakeChatClient Inner, InMemoryUsageLedger Ledger) Create(InMemoryUsageLedger ledger, params FakeStep[] script)
    {
        var (client, inner, _) = Create((IUsageLedger)ledger, script);
        return (client, inner, ledger);
    }

    private static (IChatClient Client, FakeChatClient Inner, IUsageLedger Ledger) Create(IUsageLedger ledger, params FakeStep[] script)
    {
        var inner = new FakeChatClient(script);
        var options = new BudgetChatClientOptions { TimeProvider = new FixedTimeProvider(s_noon) };
        return (new BudgetChatClient(inner, s_model, ledger, options), inner, ledger);
    }

    private sealed class MinimalLedger : IUsageLedger
    {
        private readonly InMemoryUsageLedger _inner = new();

        public void Record(UsageEntry entry) => _inner.Record(entry);

        public decimal GetSpentUsd(DateTimeOffset fromUtc, DateTimeOffset toUtc) => _inner.GetSpentUsd(fromUtc, toUtc);

        public IReadOnlyList<UsageEntry> GetEntries() => _inner.GetEntries();

        public IDisposable? TryReserve(DateTimeOffset fromUtc, DateTimeOffset toUtc, decimal amountUsd, decimal capUsd) => _inner.TryReserve(fromUtc, toUtc, amountUsd, capUsd);
    }
}
