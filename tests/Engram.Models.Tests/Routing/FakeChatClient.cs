using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Routing;

/// <summary>Plays a script of replies, failures and latencies, one step per call, and records every call.</summary>
public sealed class FakeChatClient(params FakeStep[] script) : IChatClient
{
    private readonly ConcurrentQueue<FakeStep> _script = new(script);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<IReadOnlyList<ChatMessage>> Calls { get; } = new();

    public ConcurrentQueue<ChatOptions?> OptionsSeen { get; } = new();

    /// <summary>Every call waits for this before answering (to hold calls in flight without sleeping).</summary>
    public Task Gate { get; set; } = Task.CompletedTask;

    public bool IsDisposed { get; private set; }

    /// <summary>Completes when the first call has started (to cancel mid-call without sleeping).</summary>
    public Task Started => _started.Task;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var step = await BeginAsync(messages, options, cancellationToken);
        if (step.Error is not null)
        {
            throw step.Error;
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, step.Text)) { Usage = step.Usage, ModelId = "provider-model-id" };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var step = await BeginAsync(messages, options, cancellationToken);
        if (step.Error is not null && !step.FailAfterFirstUpdate)
        {
            throw step.Error;
        }

        var words = (step.Text ?? "").Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            if (i == 1 && step.FailAfterFirstUpdate)
            {
                throw step.Error!;
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, (i == 0 ? "" : " ") + words[i]);
        }

        if (step.Usage is not null)
        {
            yield return new ChatResponseUpdate { Contents = [new UsageContent(step.Usage)] };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() => IsDisposed = true;

    private async Task<FakeStep> BeginAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        Calls.Enqueue([.. messages]);
        OptionsSeen.Enqueue(options);
        _started.TrySetResult();
        if (!_script.TryDequeue(out var step))
        {
            throw new InvalidOperationException("FakeChatClient: script exhausted.");
        }

        await Gate.WaitAsync(cancellationToken);
        if (step.Latency > TimeSpan.Zero)
        {
            await Task.Delay(step.Latency, cancellationToken);
        }

        return step;
    }
}
