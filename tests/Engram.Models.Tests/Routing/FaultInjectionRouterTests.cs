using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Routing;

public sealed class FaultInjectionRouterTests
{
    private const decimal DailyCapUsd = 0.6m;

    private static readonly string s_config = $$"""
        {
          "models": [
            { "name": "a", "provider": "openai", "capabilities": ["chat"], "costPerMillionInput": 10, "costPerMillionOutput": 30 },
            { "name": "b", "provider": "openai", "capabilities": ["chat"], "costPerMillionInput": 5, "costPerMillionOutput": 15 },
            { "name": "c", "provider": "openai", "capabilities": ["chat"], "costPerMillionInput": 1, "costPerMillionOutput": 4 },
          ],
          "routes": { "dialogue": { "preferred": ["a", "b", "c"] } },
          "budgets": { "dailyUsd": {{DailyCapUsd}} },
        }
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomFaultsNeverBreakTheInvariants(int seed)
    {
        var models = new Dictionary<string, ChaosChatClient> { ["a"] = new(seed * 31), ["b"] = new((seed * 31) + 1), ["c"] = new((seed * 31) + 2) };
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(s_config, "engram.json"), m => models[m.Name]);
        var ledger = new InMemoryUsageLedger();
        var router = new ModelRouter(registry, ledger, new ModelRouterOptions
        {
            Fallback = new FallbackChatClientOptions
            {
                AttemptTimeout = TimeSpan.FromMilliseconds(100),
                MaxRetries = 1,
                BaseDelay = TimeSpan.FromMilliseconds(1),
                MaxDelay = TimeSpan.FromMilliseconds(5),
                MaxRetryAfter = TimeSpan.FromMilliseconds(20),
            },
            CircuitBreaker = new CircuitBreakerOptions { FailureThreshold = 8, OpenDuration = TimeSpan.FromMilliseconds(50) },
            Logger = new CapturingLogger(),
        });
        var client = router.GetChatClient(ModelTask.Dialogue);
        var requests = new Random(seed);
        var plans = Enumerable.Range(0, 400).Select(i => (Streaming: requests.Next(4) == 0, MaxOutput: requests.Next(20, 400), Words: requests.Next(1, 40))).ToArray();
        var successes = new ConcurrentBag<string>();
        var refusals = 0;
        var failures = 0;

        await Parallel.ForEachAsync(plans, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (plan, ct) =>
        {
            var prompt = new[] { new ChatMessage(ChatRole.User, string.Join(' ', Enumerable.Repeat("word", plan.Words))) };
            var options = new ChatOptions { MaxOutputTokens = plan.MaxOutput };
            try
            {
                string? model;
                if (plan.Streaming)
                {
                    var updates = await client.GetStreamingResponseAsync(prompt, options, ct).ToListAsync(ct);
                    model = updates[0].ModelId;
                    Assert.All(updates, u => Assert.Equal(model, u.ModelId));
                }
                else
                {
                    var response = await client.GetResponseAsync(prompt, options, ct);
                    model = response.ModelId;
                    Assert.Equal(model, response.AdditionalProperties?[FallbackChatClient.ModelPropertyName]);
                }

                Assert.Contains(model, models.Keys);
                successes.Add(model!);
            }
            catch (BudgetExceededException)
            {
                Interlocked.Increment(ref refusals);
            }
            catch (AllModelsFailedException e)
            {
                Assert.NotEmpty(e.Failures);
                Interlocked.Increment(ref failures);
            }
        });

        var entries = ledger.GetEntries();
        Assert.Equal(plans.Length, successes.Count + refusals + failures);
        Assert.All(entries.GroupBy(e => e.TimestampUtc.UtcDateTime.Date), day => Assert.True(day.Sum(e => e.CostUsd) <= DailyCapUsd, $"spent {day.Sum(e => e.CostUsd)}"));
        Assert.Equal(0m, ledger.ReservedUsd);
        foreach (var name in models.Keys)
        {
            Assert.Equal(successes.Count(m => m == name), entries.Count(e => e.Model == name && e.Outcome == UsageOutcome.Success));
            Assert.Equal(models[name].Successes, successes.Count(m => m == name));
        }

        Assert.All(entries, e => Assert.NotNull(e.CorrelationId));
        // The seeds give a mix of endings (concurrency decides the exact split), so every path is exercised.
        Assert.True(successes.Count > 0 && refusals + failures > 0, $"{successes.Count} successes, {refusals} refusals, {failures} failures");
    }

    // Each call draws, from a seeded generator, an outcome (success, exception, 429 with Retry-After, 5xx, a hang
    // past the attempt timeout, a slow success) and, for successes, token counts within the request's estimate.
    private sealed class ChaosChatClient(int seed) : IChatClient
    {
        private readonly Random _random = new(seed);
        private readonly Lock _lock = new();
        private int _successes;

        public int Successes => Volatile.Read(ref _successes);

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var (input, output) = await ActAsync(messages, options, cancellationToken);
            Interlocked.Increment(ref _successes);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output } };
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var (input, output) = await ActAsync(messages, options, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, "o");
            yield return new ChatResponseUpdate(ChatRole.Assistant, "k");
            yield return new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = input, OutputTokenCount = output })] };
            Interlocked.Increment(ref _successes);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }

        private async Task<(long Input, long Output)> ActAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
        {
            int kind, delayMs;
            long input, output;
            lock (_lock)
            {
                kind = _random.Next(10);
                delayMs = _random.Next(1, 30);
                input = _random.NextInt64(1, BudgetChatClient.EstimateInputTokens(messages) + 1);
                output = _random.NextInt64(0, (options?.MaxOutputTokens ?? 1) + 1);
            }

            switch (kind)
            {
                case 0:
                    throw new InvalidOperationException("injected failure");
                case 1:
                    throw new ModelProviderException("injected 429", HttpStatusCode.TooManyRequests, TimeSpan.FromMilliseconds(delayMs));
                case 2:
                    throw new ModelProviderException("injected 503", HttpStatusCode.ServiceUnavailable);
                case 3:
                    await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken); // outlives the attempt timeout
                    throw new InvalidOperationException("the attempt timeout did not fire");
                case 4:
                    await Task.Delay(delayMs, cancellationToken);
                    break;
                default:
                    await Task.Yield();
                    break;
            }

            return (input, output);
        }
    }
}
