using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Providers.Remote;

/// <summary>
/// Wraps a provider SDK's embedding generator so that its failures surface as <see cref="ModelProviderException"/>s
/// (HTTP status, Retry-After for 429) with the API key removed from messages; the embedding counterpart of
/// <see cref="ProviderErrorChatClient"/>.
/// </summary>
/// <remarks>Disposing it disposes the inner generator and <c>owned</c> (the SDK's <see cref="HttpClient"/>).</remarks>
internal sealed class ProviderErrorEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly string _modelName;
    private readonly string? _secret;
    private readonly IDisposable? _owned;

    public ProviderErrorEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator, string modelName, string? secret = null, IDisposable? owned = null)
        : base(innerGenerator)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        _modelName = modelName;
        _secret = string.IsNullOrEmpty(secret) ? null : secret;
        _owned = owned;
    }

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && ProviderErrors.Map(e, _modelName, _secret) is { } mapped && mapped != e)
        {
            throw mapped;
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _owned?.Dispose();
        }
    }
}
