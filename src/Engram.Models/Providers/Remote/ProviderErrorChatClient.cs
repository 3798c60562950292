using System.Runtime.CompilerServices;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Providers.Remote;

/// <summary>
/// Wraps a provider SDK's chat client so that its failures reach the router as <see cref="ModelProviderException"/>s
/// carrying the HTTP status (and Retry-After for 429), with the API key and key-shaped text removed from messages.
/// </summary>
/// <remarks>
/// Cancellation and exceptions that are not provider failures (argument errors, for example) pass through unchanged.
/// Disposing this client disposes the inner client and the resources handed to it (the SDK's <see cref="HttpClient"/>).
/// The key is held only to redact it; it never appears in <see cref="object.ToString"/>.
/// </remarks>
public sealed class ProviderErrorChatClient : DelegatingChatClient
{
    private readonly string _modelName;
    private readonly string? _secret;
    private readonly IDisposable? _owned;

    /// <summary>
    /// Wraps <paramref name="innerClient"/>, which serves the model named <paramref name="modelName"/>;
    /// <paramref name="secret"/> (the API key, or null) is removed from every message; <paramref name="owned"/> is
    /// disposed with this client.
    /// </summary>
    public ProviderErrorChatClient(IChatClient innerClient, string modelName, string? secret = null, IDisposable? owned = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        _modelName = modelName;
        _secret = string.IsNullOrEmpty(secret) ? null : secret;
        _owned = owned;
    }

    /// <inheritdoc />
    /// <exception cref="ModelProviderException">The provider failed; <see cref="ModelProviderException.StatusCode"/> is its HTTP status when it answered.</exception>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && ProviderErrors.Map(e, _modelName, _secret) is { } mapped && mapped != e)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    /// <exception cref="ModelProviderException">The provider failed before or while streaming.</exception>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var enumerator = Wrap(() => base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken), cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            while (await WrapAsync(enumerator.MoveNextAsync, cancellationToken).ConfigureAwait(false))
            {
                yield return enumerator.Current;
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _owned?.Dispose();
        }
    }

    private T Wrap<T>(Func<T> action, CancellationToken cancellationToken)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && ProviderErrors.Map(e, _modelName, _secret) is { } mapped && mapped != e)
        {
            throw mapped;
        }
    }

    private async ValueTask<bool> WrapAsync(Func<ValueTask<bool>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && ProviderErrors.Map(e, _modelName, _secret) is { } mapped && mapped != e)
        {
            throw mapped;
        }
    }
}
