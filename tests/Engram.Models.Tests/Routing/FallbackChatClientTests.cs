using System.Net;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Routing;

public sealed class FallbackChatClientTests
{
    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "hello")];

    // Fallback-only behaviour: transient failures move on at once instead of retrying the same model.
    private static readonly FallbackChatClientOptions s_noRetry = new() { MaxRetries = 0 };

    public static TheoryData<string, Exception> Failures => new()
    {
        { "exception", new InvalidOperationException("boom") },
        { "429", new HttpRequestException("busy", null, HttpStatusCode.TooManyRequests) },
        { "5xx", new ModelProviderException("bad gateway", HttpStatusCode.BadGateway) },
        { "500 over http", new HttpRequestException("oops", null, HttpStatusCode.InternalServerError) },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task FailureMovesToNextModelAndReportsIt(string kind, Exception failure)
    {
        var a = new FakeChatClient(FakeStep.Fail(failure));
        var b = new FakeChatClient(FakeStep.Reply("from b"));
        var client = new FallbackChatClient([new("a", a), new("b", b)], s_noRetry);

        var response = await client.GetResponseAsync(s_prompt);

        Assert.Equal("from b", response.Text);
        Assert.Equal("b", response.ModelId);
        Assert.Equal("b", response.AdditionalProperties?[FallbackChatClient.ModelPropertyName]);
        Assert.True(a.Calls.Count == 1 && b.Calls.Count == 1, kind);
    }

    [Fact]
    public async Task FirstModelAnswersWhenHealthy()
    {
        var a = new FakeChatClient(FakeStep.Reply("from a"));
        var b = new FakeChatClient();
        var response = await new FallbackChatClient([new("a", a), new("b", b)]).GetResponseAsync(s_prompt);
        Assert.Equal(("from a", "a"), (response.Text, response.ModelId));
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task TimeoutMovesToNextModel()
    {
        var a = new FakeChatClient(new FakeStep("late", Latency: TimeSpan.FromSeconds(30)));
        var b = new FakeChatClient(FakeStep.Reply("from b"));
        var client = new FallbackChatClient([new("a", a), new("b", b)], new FallbackChatClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(50), MaxRetries = 0 });

        var response = await client.GetResponseAsync(s_prompt).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("b", response.ModelId);
    }

    [Fact]
    public async Task TimeoutIsReportedAsTimeoutWhenAllFail()
    {
        var a = new FakeChatClient(new FakeStep("late", Latency: TimeSpan.FromSeconds(30)));
        var client = new FallbackChatClient([new("a", a)], new FallbackChatClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(50), MaxRetries = 0 });

        var e = await Assert.ThrowsAsync<AllModelsFailedException>(() => client.GetResponseAsync(s_prompt));

        Assert.IsType<TimeoutException>(Assert.Single(e.Failures).Value);
    }

    [Fact]
    public async Task CancellationIsNeitherRetriedNorWrapped()
    {
        var a = new FakeChatClient(new FakeStep("late", Latency: TimeSpan.FromSeconds(30)), FakeStep.Reply("again"));
        var b = new FakeChatClient(FakeStep.Reply("from b"));
        var client = new FallbackChatClient([new("a", a), new("b", b)]);
        using var cts = new CancellationTokenSource();

        var call = client.GetResponseAsync(s_prompt, cancellationToken: cts.Token);
        await a.Started;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Single(a.Calls);
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task RetryAfterWithinCapRetriesSameModel()
    {
        var a = new FakeChatClient(
            FakeStep.Fail(new ModelProviderException("slow down", HttpStatusCode.TooManyRequests, TimeSpan.FromMilliseconds(20))),
            FakeStep.Reply("a again"));
        var b = new FakeChatClient(FakeStep.Reply("from b"));
        var client = new FallbackChatClient([new("a", a), new("b", b)], new FallbackChatClientOptions { MaxRetryAfter = TimeSpan.FromSeconds(1) });

        var response = await client.GetResponseAsync(s_prompt);

        Assert.Equal(("a again", "a"), (response.Text, response.ModelId));
        Assert.Equal(2, a.Calls.Count);
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task RetryAfterBeyondCapMovesOnAtOnce()
    {
        var a = new FakeChatClient(FakeStep.Fail(new ModelProviderException("slow down", HttpStatusCode.TooManyRequests, TimeSpan.FromHours(1))));
        var b = new FakeChatClient(FakeStep.Reply("from b"));
        var client = new FallbackChatClient([new("a", a), new("b", b)], new FallbackChatClientOptions { MaxRetryAfter = TimeSpan.FromSeconds(1) });

        var response = await client.GetResponseAsync(s_prompt).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("b", response.ModelId);
        Assert.Single(a.Calls);
    }

    [Fact]
    public async Task AllFailingListsEveryFailureInOrder()
    {
        var a = new FakeChatClient(FakeStep.Fail(new InvalidOperationException("first")));
        var b = new FakeChatClient(FakeStep.Fail(new ModelProviderException("second", HttpStatusCode.ServiceUnavailable)));
        var client = new FallbackChatClient([new("a", a), new("b", b)], s_noRetry);

        var e = await Assert.ThrowsAsync<AllModelsFailedException>(() => client.GetResponseAsync(s_prompt));

        Assert.Equal(["a", "b"], e.Failures.Select(f => f.Key));
        Assert.Equal("All models failed: a: InvalidOperationException: first; b: ModelProviderException: second", e.Message);
    }

    [Fact]
    public async Task StreamingFallsBackBeforeFirstUpdate()
    {
        var a = new FakeChatClient(FakeStep.Fail(new ModelProviderException("down", HttpStatusCode.ServiceUnavailable)));
        var b = new FakeChatClient(FakeStep.Reply("one two three"));
        var client = new FallbackChatClient([new("a", a), new("b", b)], s_noRetry);

        var updates = await client.GetStreamingResponseAsync(s_prompt).ToListAsync();

        Assert.Equal("one two three", string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.Equal("b", u.ModelId));
        Assert.Equal("b", updates[0].AdditionalProperties?[FallbackChatClient.ModelPropertyName]);
    }

    [Fact]
    public async Task StreamingFallsBackWhenFirstUpdateTimesOut()
    {
        var a = new FakeChatClient(new FakeStep("late", Latency: TimeSpan.FromSeconds(30)));
        var b = new FakeChatClient(FakeStep.Reply("from b"));
        var client = new FallbackChatClient([new("a", a), new("b", b)], new FallbackChatClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(50), MaxRetries = 0 });

        var updates = await client.GetStreamingResponseAsync(s_prompt).ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("from b", string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task StreamingCancellationIsNotRetried()
    {
        var a = new FakeChatClient(new FakeStep("late", Latency: TimeSpan.FromSeconds(30)));
        var b = new FakeChatClient(FakeStep.Reply("from b"));
        var client = new FallbackChatClient([new("a", a), new("b", b)]);
        using var cts = new CancellationTokenSource();

        var call = client.GetStreamingResponseAsync(s_prompt, cancellationToken: cts.Token).ToListAsync().AsTask();
        await a.Started;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task StreamingDoesNotFallBackAfterOutputStarted()
    {
        var failure = new ModelProviderException("reset", HttpStatusCode.BadGateway);
        var a = new FakeChatClient(new FakeStep("one two", Error: failure, FailAfterFirstUpdate: true));
        var b = new FakeChatClient(FakeStep.Reply("from b"));
        var client = new FallbackChatClient([new("a", a), new("b", b)]);
        var seen = new List<string>();

        var e = await Assert.ThrowsAsync<ModelProviderException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(s_prompt))
            {
                seen.Add(update.Text);
            }
        });

        Assert.Same(failure, e);
        Assert.Equal(["one"], seen);
        Assert.Empty(b.Calls);
    }

    [Fact]
    public async Task BuilderExtensionPutsInnerClientFirst()
    {
        var a = new FakeChatClient(FakeStep.Fail(new InvalidOperationException("boom")));
        var b = new FakeChatClient(FakeStep.Reply("from b"));
        using var client = new ChatClientBuilder(a).UseFallback("a", [new FallbackCandidate("b", b)]).Build();

        var response = await client.GetResponseAsync(s_prompt);

        Assert.Equal("b", response.ModelId);
        Assert.Single(a.Calls);
        Assert.False(a.IsDisposed);
    }
}
