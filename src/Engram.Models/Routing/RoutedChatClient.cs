using System.Diagnostics;
using System.Runtime.CompilerServices;
using Engram.Models.Configuration;
using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

// One task's client from ModelRouter: gives every request a correlation id and sends it through a FallbackChatClient
// whose candidate order follows the outcome tracker, rebuilt only when the tracker's version has moved.
internal sealed class RoutedChatClient : IChatClient
{
    private readonly ModelTask _task;
    private readonly FallbackCandidate[] _configured;
    private readonly string[] _names;
    private readonly OutcomeTracker _tracker;
    private readonly OutcomeRoutingOptions _outcomes;
    private readonly FallbackChatClientOptions _fallback;
    private volatile Snapshot _current;

    public RoutedChatClient(ModelTask task, IEnumerable<FallbackCandidate> configured, OutcomeTracker tracker, OutcomeRoutingOptions outcomes, FallbackChatClientOptions fallback)
    {
        _task = task;
        _configured = [.. configured];
        _names = [.. _configured.Select(c => c.ModelId)];
        _tracker = tracker;
        _outcomes = outcomes;
        _fallback = fallback;
        _current = new Snapshot(-1, new FallbackChatClient(_configured, _fallback));
    }

    public FallbackChatClient Current
    {
        get
        {
            var snapshot = _current;
            if (!_outcomes.Enabled)
            {
                return snapshot.Client;
            }

            var version = _tracker.Version;
            if (snapshot.Version == version)
            {
                return snapshot.Client;
            }

            var order = _tracker.Rank(_names, _task, _outcomes);
            var client = order.SequenceEqual(snapshot.Client.Candidates.Select(c => c.ModelId))
                ? snapshot.Client
                : new FallbackChatClient(order.Select(name => _configured[Array.IndexOf(_names, name)]), _fallback);
            _current = new Snapshot(version, client);
            return client;
        }
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (withId, correlationId) = WithCorrelationId(options);
        var response = await Current.GetResponseAsync(messages, withId, cancellationToken).ConfigureAwait(false);
        (response.AdditionalProperties ??= [])[ModelRouter.CorrelationIdPropertyName] = correlationId;
        return response;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (withId, correlationId) = WithCorrelationId(options);
        var first = true;
        await foreach (var update in Current.GetStreamingResponseAsync(messages, withId, cancellationToken).ConfigureAwait(false))
        {
            if (first)
            {
                (update.AdditionalProperties ??= [])[ModelRouter.CorrelationIdPropertyName] = correlationId;
                first = false;
            }

            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : Current.GetService(serviceType, serviceKey);
    }

    public void Dispose()
    {
    }

    // The caller's id when it gave one, else the ambient trace id, else a fresh GUID; the caller's options are not changed.
    internal static (ChatOptions Options, string CorrelationId) WithCorrelationId(ChatOptions? options)
    {
        if (options?.AdditionalProperties?.TryGetValue(ModelRouter.CorrelationIdPropertyName, out var given) == true && given?.ToString() is { Length: > 0 } id)
        {
            return (options, id);
        }

        id = Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToHexString() : Guid.NewGuid().ToString("N");
        var copy = options?.Clone() ?? new ChatOptions();
        (copy.AdditionalProperties ??= [])[ModelRouter.CorrelationIdPropertyName] = id;
        return (copy, id);
    }

    private sealed record Snapshot(long Version, FallbackChatClient Client);
}
