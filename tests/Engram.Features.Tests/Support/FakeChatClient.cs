using Microsoft.Extensions.AI;

namespace Engram.Features.Tests.Support;

/// <summary>
/// A scripted <see cref="IChatClient"/>: answers each call with the next scripted reply (the last one repeats) and
/// records the messages and options it was given.
/// </summary>
public sealed class FakeChatClient : IChatClient
{
    private readonly Func<IReadOnlyList<ChatMessage>, ChatOptions?, string> _reply;
    private readonly Lock _lock = new();

    public FakeChatClient(params string[] replies)
    {
        var index = 0;
        _reply = (_, _) => replies[Math.Min(index++, replies.Length - 1)];
    }

    public FakeChatClient(Func<IReadOnlyList<ChatMessage>, ChatOptions?, string> reply) => _reply = reply;

    public string ModelId { get; init; } = "fake-model";

    /// <summary>When set, reported as <see cref="ChatClientMetadata.ProviderName"/> (e.g. <c>local-gguf</c>).</summary>
    public string? ProviderName { get; init; }

    /// <summary>When set, every call waits on it (cancellation tests).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public List<(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];

    /// <summary>All text of the last call's messages, joined by newlines.</summary>
    public string LastPrompt => string.Join("\n", Calls[^1].Messages.Select(m => m.Text));

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        string text;
        lock (_lock)
        {
            Calls.Add((list, options));
            text = _reply(list, options);
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { ModelId = ModelId };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) && ProviderName is not null ? new ChatClientMetadata(ProviderName, null, ModelId)
        : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
