using System.Net;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Routing;

public sealed class FallbackRetryTests
{
    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "hello")];

    private static ModelProviderException ServerError(TimeSpan? retryAfter = null) => new("unavailable", HttpStatusCode.ServiceUnavailable, retryAfter);

    private static FallbackChatClientOptions Options(InstantTimeProvider clock, int maxRetries = 2, double baseMs = 100, double maxMs = 10_000) => new()
    {
        MaxRetries = maxRetries,
        BaseDelay = TimeSpan.FromMilliseconds(baseMs),
        MaxDelay = TimeSpan.FromMilliseconds(maxMs),
        AttemptTimeout = null,
        TimeProvider = clock,
    };

    private static void AssertBetween(double lowMs, double highMs, TimeSpan actual) =>
        Assert.InRange(actual.TotalMilliseconds, lowMs, highMs);

    // Polly's exponential backoff with jitter ("decorrelated jitter V2", Delay = the median first delay): retry n
    // waits f(n + r) - f(n - 1 + r') with f(t) = 2^t·tanh(√(4t)) / 1.4 and r in [0, 1), so retry 0 waits less than
    // 2·tanh(2)/1.4 ≈ 1.38 × Delay and retry 1 less than 4·tanh(√8)/1.4 ≈ 2.84 × Delay, always more than 0.
    private static void AssertJittered(double baseMs, int retry, TimeSpan actual) =>
        Assert.InRange(actual.TotalMilliseconds, double.Epsilon, baseMs * (retry == 0 ? 1.38 : 2.84));

    [Fact]
    public async Task TransientFailuresRetrySameModelWithExponentialBackoffAndJitter()
    {
        var clock = new InstantTimeProvider();
        var a = new FakeChatClient(FakeStep.Fail(ServerError()), FakeStep.Fail(new HttpRequestException("busy", null, HttpStatusCode.TooManyRequests)), FakeStep.Reply("a at last"));
        var b = new FakeChatClient();

        var response = await new FallbackChatClient([new("a", a), new("b", b)], Options(clock)).GetResponseAsync(s_prompt);

        Assert.Equal(("a at last", "a"), (response.Text, response.ModelId));
        Assert.Equal(3, a.Calls.Count);
        Assert.Empty(b.Calls);
        var delays = clock.Delays.ToArray();
        Assert.Equal(2, delays.Length);
        AssertJittered(100, 0, delays[0]);
        AssertJittered(100, 1, delays[1]);
    }

    [Fact]
    public async Task BackoffIsCappedAtMaxDelayAndExhaustedRetriesMoveOn()
    {
        var clock = new InstantTimeProvider();
        var a = new FakeChatClient(FakeStep.Fail(ServerError()), FakeStep.Fail(ServerError()), FakeStep.Fail(ServerError()), FakeStep.Fail(ServerError()));
        var b = new FakeChatClient(FakeStep.Reply("from b"));

        var response = await new FallbackChatClient([new("a", a), new("b", b)], Options(clock, maxRetries: 3, baseMs: 1000, maxMs: 1500)).GetResponseAsync(s_prompt);

        Assert.Equal("b", response.ModelId);
        Assert.Equal(4, a.Calls.Count);
        var delays = clock.Delays.ToArray();
        Assert.Equal(3, delays.Length);
        Assert.All(delays, d => AssertBetween(double.Epsilon, 1500, d)); // capped at MaxDelay
        AssertJittered(1000, 0, delays[0]);
    }

    [Fact]
    public async Task NonTransientFailureMovesOnWithoutRetry()
    {
        var clock = new InstantTimeProvider();
        var a = new FakeChatClient(FakeStep.Fail(new InvalidOperationException("bad request")));
        var b = new FakeChatClient(FakeStep.Reply("from b"));

        var response = await new FallbackChatClient([new("a", a), new("b", b)], Options(clock)).GetResponseAsync(s_prompt);

        Assert.Equal("b", response.ModelId);
        Assert.Single(a.Calls);
        Assert.Empty(clock.Delays);
    }

    [Fact]
    public async Task RetryAfterIsHonouredInsteadOfBackoff()
    {
        var clock = new InstantTimeProvider();
        var a = new FakeChatClient(FakeStep.Fail(ServerError(TimeSpan.FromMilliseconds(700))), FakeStep.Reply("a again"));
        var options = Options(clock) with { MaxRetryAfter = TimeSpan.FromSeconds(1) };

        var response = await new FallbackChatClient([new("a", a)], options).GetResponseAsync(s_prompt);

        Assert.Equal("a again", response.Text);
        Assert.Equal([TimeSpan.FromMilliseconds(700)], clock.Delays);
    }

    [Fact]
    public async Task EveryAttemptIsListedWhenAllFail()
    {
        var clock = new InstantTimeProvider();
        var a = new FakeChatClient(FakeStep.Fail(ServerError()), FakeStep.Fail(ServerError()));
        var b = new FakeChatClient(FakeStep.Fail(new InvalidOperationException("broken")));

        var e = await Assert.ThrowsAsync<AllModelsFailedException>(() => new FallbackChatClient([new("a", a), new("b", b)], Options(clock, maxRetries: 1)).GetResponseAsync(s_prompt));

        Assert.Equal(["a", "a", "b"], e.Failures.Select(f => f.Key));
    }

    [Fact]
    public async Task TimeoutIsRetried()
    {
        var a = new FakeChatClient(new FakeStep("late", Latency: TimeSpan.FromSeconds(30)), FakeStep.Reply("a in time"));
        var options = new FallbackChatClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(50), BaseDelay = TimeSpan.FromMilliseconds(1) };

        var response = await new FallbackChatClient([new("a", a)], options).GetResponseAsync(s_prompt).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("a in time", response.Text);
        Assert.Equal(2, a.Calls.Count);
    }

    [Fact]
    public async Task CancellationDuringBackoffIsNotRetried()
    {
        var a = new FakeChatClient(FakeStep.Fail(ServerError()), FakeStep.Reply("never"));
        var b = new FakeChatClient(FakeStep.Reply("never"));
        var options = new FallbackChatClientOptions { BaseDelay = TimeSpan.FromMinutes(10), MaxDelay = TimeSpan.FromMinutes(10) };
        using var cts = new CancellationTokenSource();

        var call = new FallbackChatClient([new("a", a), new("b", b)], options).GetResponseAsync(s_prompt, cancellationToken: cts.Token);
        await a.Started;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(a.Calls);
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task StreamingRetriesBeforeFirstUpdate()
    {
        var clock = new InstantTimeProvider();
        var a = new FakeChatClient(FakeStep.Fail(ServerError()), FakeStep.Reply("one two"));

        var updates = await new FallbackChatClient([new("a", a)], Options(clock)).GetStreamingResponseAsync(s_prompt).ToListAsync();

        Assert.Equal("one two", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(2, a.Calls.Count);
        Assert.Single(clock.Delays);
    }
}
