using Microsoft.Extensions.AI;

namespace Engram.LanguageServer.Tests.Support;

/// <summary>A scripted <see cref="IChatClient"/>: replies computed from the prompt; records every call.</summary>
public sealed class FakeChatClient(Func<string, string> reply) : IChatClient
{
    private readonly Lock _lock = new();

    public List<string> Prompts { get; } = [];

    /// <summary>When set, calls wait on it (cancellation and supersede tests).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Read the gate before recording the call: a test that sees the prompt may then clear the gate for later calls.
        var gate = Gate;
        var prompt = string.Join("\n", messages.Select(m => m.Text));
        string text;
        lock (_lock)
        {
            Prompts.Add(prompt);
            text = reply(prompt);
        }

        if (gate is not null)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { ModelId = "fake-model" };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
