using System.Net;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Routing;

public sealed class CircuitBreakerTests
{
    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "hello")];
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void OpensAfterThresholdThenLetsOneTrialThroughAfterOpenDuration()
    {
        var clock = new FixedTimeProvider(s_start);
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { FailureThreshold = 2, OpenDuration = TimeSpan.FromSeconds(30), TimeProvider = clock });

        Assert.True(breaker.TryAcquire());
        breaker.RecordFailure();
        Assert.Equal(CircuitBreakerState.Closed, breaker.State);
        Assert.True(breaker.TryAcquire());
        breaker.RecordFailure();
        Assert.Equal(CircuitBreakerState.Open, breaker.State);
        Assert.False(breaker.TryAcquire());

        clock.Now = s_start.AddSeconds(29);
        Assert.False(breaker.TryAcquire());
        clock.Now = s_start.AddSeconds(30);
        Assert.Equal(CircuitBreakerState.HalfOpen, breaker.State);
        Assert.True(breaker.TryAcquire());
        Assert.False(breaker.TryAcquire()); // the trial is in flight

        breaker.RecordFailure(); // a failed trial reopens at once
        Assert.Equal(CircuitBreakerState.Open, breaker.State);
        clock.Now = s_start.AddSeconds(60);
        Assert.True(breaker.TryAcquire());
        breaker.RecordSuccess();
        Assert.Equal(CircuitBreakerState.Closed, breaker.State);
        Assert.True(breaker.TryAcquire());
        breaker.RecordFailure(); // the count restarted: one failure does not reopen
        Assert.Equal(CircuitBreakerState.Closed, breaker.State);
    }

    [Fact]
    public void SuccessResetsTheConsecutiveCountAndReleaseFreesTheTrial()
    {
        var clock = new FixedTimeProvider(s_start);
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { FailureThreshold = 2, OpenDuration = TimeSpan.FromSeconds(1), TimeProvider = clock });
        breaker.RecordFailure();
        breaker.RecordSuccess();
        breaker.RecordFailure();
        Assert.Equal(CircuitBreakerState.Closed, breaker.State);
        breaker.RecordFailure();
        clock.Now = s_start.AddSeconds(1);

        Assert.True(breaker.TryAcquire());
        breaker.Release(); // e.g. the trial was cancelled
        Assert.True(breaker.TryAcquire());
    }

    [Fact]
    public void HalfOpenAdmitsExactlyOneTrialUnderContention()
    {
        var clock = new FixedTimeProvider(s_start);
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { FailureThreshold = 1, OpenDuration = TimeSpan.FromSeconds(1), TimeProvider = clock });
        breaker.RecordFailure();
        clock.Now = s_start.AddSeconds(5);
        using var go = new ManualResetEventSlim();
        var admitted = 0;

        var threads = Enumerable.Range(0, 16).Select(_ => new Thread(() =>
        {
            go.Wait();
            if (breaker.TryAcquire())
            {
                Interlocked.Increment(ref admitted);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        go.Set();
        threads.ForEach(t => t.Join());

        Assert.Equal(1, admitted);
    }

    [Fact]
    public async Task OpenCircuitSkipsModelAndIsReportedAsCircuitOpen()
    {
        var breakers = new CircuitBreakerRegistry(new CircuitBreakerOptions { FailureThreshold = 2, OpenDuration = TimeSpan.FromMinutes(5) });
        var options = new FallbackChatClientOptions { MaxRetries = 0, CircuitBreakers = breakers };
        var a = new FakeChatClient(FakeStep.Fail(new ModelProviderException("down", HttpStatusCode.BadGateway)), FakeStep.Fail(new ModelProviderException("down", HttpStatusCode.BadGateway)));
        var b = new FakeChatClient(FakeStep.Reply("b1"), FakeStep.Reply("b2"), FakeStep.Fail(new InvalidOperationException("b broke")));
        var client = new FallbackChatClient([new("a", a), new("b", b)], options);

        Assert.Equal("b", (await client.GetResponseAsync(s_prompt)).ModelId);
        Assert.Equal("b", (await client.GetResponseAsync(s_prompt)).ModelId);
        var e = await Assert.ThrowsAsync<AllModelsFailedException>(() => client.GetResponseAsync(s_prompt));

        Assert.Equal(2, a.Calls.Count); // the third request never reached a
        var skipped = Assert.IsType<CircuitBreakerOpenException>(e.Failures[0].Value);
        Assert.Equal("a", skipped.ModelId);
        Assert.StartsWith("circuit open", skipped.Message, StringComparison.Ordinal);
        Assert.Equal(CircuitBreakerState.Open, breakers.Get("a").State);
        Assert.Equal(CircuitBreakerState.Closed, breakers.Get("b").State);
    }

    [Fact]
    public async Task RouterSharesCircuitsAcrossTasks()
    {
        const string config = """
            {
              "models": [
                { "name": "cloud", "provider": "openai", "capabilities": ["chat"] },
                { "name": "local", "provider": "local-gguf", "capabilities": ["chat"] },
              ],
              "routes": {
                "dialogue": { "capabilities": ["chat"], "preferred": ["cloud", "local"] },
                "review": { "capabilities": ["chat"], "preferred": ["cloud", "local"] },
              },
            }
            """;
        var fakes = new Dictionary<string, FakeChatClient>
        {
            ["cloud"] = new(FakeStep.Fail(new ModelProviderException("down", HttpStatusCode.InternalServerError))),
            ["local"] = new(FakeStep.Reply("l1"), FakeStep.Reply("l2")),
        };
        using var registry = new ModelRegistry(EngramConfigLoader.Parse(config, "engram.json"), m => fakes[m.Name]);
        var router = new ModelRouter(registry, new InMemoryUsageLedger(), new ModelRouterOptions
        {
            Fallback = new FallbackChatClientOptions { MaxRetries = 0 },
            CircuitBreaker = new CircuitBreakerOptions { FailureThreshold = 1, OpenDuration = TimeSpan.FromMinutes(5) },
        });

        Assert.Equal("local", (await router.GetChatClient(ModelTask.Dialogue).GetResponseAsync(s_prompt)).ModelId);
        Assert.Equal("local", (await router.GetChatClient(ModelTask.Review).GetResponseAsync(s_prompt)).ModelId);

        Assert.Single(fakes["cloud"].Calls);
        Assert.Equal(CircuitBreakerState.Open, router.CircuitBreakers.Get("cloud").State);
    }
}
