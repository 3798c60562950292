using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Routing;

public sealed class ModelRouterTests
{
    private const string Config = """
        {
          "models": [
            { "name": "cloud", "provider": "openai", "capabilities": ["chat"], "costPerMillionInput": 10, "costPerMillionOutput": 30 },
            { "name": "local", "provider": "local-gguf", "capabilities": ["chat"] },
            { "name": "embedder", "provider": "fake", "capabilities": ["embedding"] },
          ],
          "routes": { "dialogue": { "preferred": ["cloud", "local"] } },
          "budgets": { "perRequestUsd": 0.01 },
        }
        """;

    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "hi")];

    [Fact]
    public async Task OverBudgetRequestIsRoutedToCheaperModel()
    {
        var fakes = new Dictionary<string, FakeChatClient> { ["cloud"] = new(FakeStep.Reply("cloud")), ["local"] = new(FakeStep.Reply("local")) };
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), m => fakes[m.Name]);
        var router = new ModelRouter(registry, new InMemoryUsageLedger());

        var response = await router.GetChatClient(ModelTask.Dialogue).GetResponseAsync(s_prompt);

        Assert.Equal(("local", "local"), (response.Text, response.ModelId));
        Assert.Empty(fakes["cloud"].Calls);
        Assert.Equal([("cloud", UsageOutcome.Refused), ("local", UsageOutcome.Success)], router.Ledger.GetEntries().Select(e => (e.Model, e.Outcome)));
    }

    [Fact]
    public async Task WithinBudgetThePreferredModelAnswersAndOthersAreNotCreated()
    {
        var fakes = new Dictionary<string, FakeChatClient> { ["cloud"] = new(FakeStep.Reply("cloud")), ["local"] = new() };
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), m => fakes[m.Name]);
        var router = new ModelRouter(registry, new InMemoryUsageLedger());

        var response = await router.GetChatClient(ModelTask.Dialogue).GetResponseAsync(s_prompt, new ChatOptions { MaxOutputTokens = 10 });

        Assert.Equal("cloud", response.ModelId);
        Assert.False(registry.IsCreated("local"));
    }

    [Fact]
    public async Task EveryCandidateRefusingSurfacesTheBudgetException()
    {
        var config = EngramConfigLoader.Parse(Config.Replace("\"local-gguf\", \"capabilities\": [\"chat\"]", "\"local-gguf\", \"capabilities\": [\"chat\"], \"costPerMillionOutput\": 100"), "engram.json");
        using var registry = new ModelRegistry(config, _ => new FakeChatClient());
        var router = new ModelRouter(registry, new InMemoryUsageLedger());

        var e = await Assert.ThrowsAsync<BudgetExceededException>(() => router.GetChatClient(ModelTask.Dialogue).GetResponseAsync(s_prompt));

        Assert.Equal("cloud", e.Model);
    }

    [Fact]
    public async Task PreferredModelIsTriedBeforeTheRoutesChoice()
    {
        var fakes = new Dictionary<string, FakeChatClient> { ["cloud"] = new(FakeStep.Reply("cloud")), ["local"] = new(FakeStep.Reply("local")) };
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), m => fakes[m.Name]);
        var router = new ModelRouter(registry, new InMemoryUsageLedger());

        // The dialogue route prefers "cloud"; an editor's explicit choice of "local" goes first.
        var chosen = await router.GetChatClient(ModelTask.Dialogue, "local").GetResponseAsync(s_prompt, new ChatOptions { MaxOutputTokens = 10 });

        Assert.Equal("local", chosen.ModelId);
        Assert.Empty(fakes["cloud"].Calls);
        Assert.Same(router.GetChatClient(ModelTask.Dialogue), router.GetChatClient(ModelTask.Dialogue, null));
        Assert.Same(router.GetChatClient(ModelTask.Dialogue, "local"), router.GetChatClient(ModelTask.Dialogue, "local"));
        Assert.Throws<KeyNotFoundException>(() => router.GetChatClient(ModelTask.Dialogue, "nonexistent"));
    }

    [Fact]
    public async Task TaskWithoutCapableModelFails()
    {
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), _ => new FakeChatClient());
        var router = new ModelRouter(registry, new InMemoryUsageLedger());

        var e = await Assert.ThrowsAsync<AllModelsFailedException>(() => router.GetChatClient(ModelTask.Review).GetResponseAsync(s_prompt));

        Assert.Empty(e.Failures);
    }

    [Fact]
    public void RegistryCreatesEachClientOnceAndDisposesThem()
    {
        var created = new List<FakeChatClient>();
        var registry = new ModelRegistry(EngramConfigLoader.Parse(Config, "engram.json"), _ =>
        {
            var fake = new FakeChatClient();
            created.Add(fake);
            return fake;
        });

        var first = registry.GetChatClient("local");
        var second = registry.GetChatClient("local");
        registry.Dispose();

        Assert.Same(first, second);
        Assert.True(Assert.Single(created).IsDisposed);
        Assert.Throws<KeyNotFoundException>(() => registry.GetChatClient("nope"));
    }

    [Fact]
    public void LedgerIsThreadSafeAndWindowed()
    {
        var ledger = new InMemoryUsageLedger();
        var day = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Parallel.For(0, 1000, i => ledger.Record(new UsageEntry(day.AddMinutes(i * 2), ModelTask.Completion, "m", 1, 1, 0.001m, 1, UsageOutcome.Success)));

        Assert.Equal(1000, ledger.GetEntries().Count);
        Assert.Equal(0.720m, ledger.GetSpentUsd(day, day.AddDays(1))); // minutes 0..1438 step 2: 720 entries
    }
}
