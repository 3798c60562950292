using Microsoft.Extensions.AI;

namespace Engram.Mcp.Tests;

/// <summary>A scripted chat client: answers with <c>respond(messages, callIndex)</c>, records every call, optional latency.</summary>
public sealed class FakeChatClient(Func<IReadOnlyList<ChatMessage>, int, string> respond, TimeSpan? latency = null) : IChatClient
{
    private int _calls;

    public List<IReadOnlyList<ChatMessage>> Requests { get; } = [];

    public int Calls => _calls;

    public bool SawCancellation { get; private set; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        int index;
        lock (Requests)
        {
            Requests.Add(list);
            index = _calls++;
        }

        if (latency is { } delay)
        {
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                SawCancellation = true;
                throw;
            }
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, respond(list, index)))
        {
            ModelId = "fake-model",
            Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 20 },
        };
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
