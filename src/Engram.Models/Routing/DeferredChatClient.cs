using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

// Resolves the provider client on first request so a pipeline can be built without loading every model in it
// (a local GGUF takes seconds). Does not dispose the client: the registry owns it. Removes the router's correlation id
// and budget scope from the options first: some provider adapters send unknown additional properties to the server.
internal sealed class DeferredChatClient(Func<IChatClient> resolve) : IChatClient
{
    private readonly Lazy<IChatClient> _inner = new(resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        _inner.Value.GetResponseAsync(messages, WithoutCorrelationId(options), cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in _inner.Value.GetStreamingResponseAsync(messages, WithoutCorrelationId(options), cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : _inner.IsValueCreated ? _inner.Value.GetService(serviceType, serviceKey) : null;

    public void Dispose()
    {
    }

    private static readonly string[] s_routerProperties = [ModelRouter.CorrelationIdPropertyName, BudgetScope.IdPropertyName, BudgetScope.MaxUsdPropertyName];

    private static ChatOptions? WithoutCorrelationId(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } properties || !s_routerProperties.Any(properties.ContainsKey))
        {
            return options;
        }

        var copy = options.Clone();
        var copied = copy.AdditionalProperties!;
        foreach (var key in s_routerProperties)
        {
            copied.Remove(key);
        }

        if (copied.Count == 0)
        {
            copy.AdditionalProperties = null;
        }

        return copy;
    }
}
