using Microsoft.Extensions.AI;

namespace Engram.Models.Embeddings;

/// <summary>
/// Defers creating an embedding generator until the first embedding is requested, so that commands that turn out
/// to need none (an index update with nothing changed) never pay the model's load time (≈ 0.3 s for MiniLM).
/// </summary>
/// <remarks>
/// <see cref="GetService"/> answers <see cref="EmbeddingGeneratorMetadata"/> from the metadata given at construction
/// without loading the model. Thread-safe: the model is created at most once.
/// </remarks>
public sealed class LazyEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly Lazy<IEmbeddingGenerator<string, Embedding<float>>> _inner;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>Creates the wrapper; <paramref name="factory"/> runs on first use.</summary>
    public LazyEmbeddingGenerator(Func<IEmbeddingGenerator<string, Embedding<float>>> factory, EmbeddingGeneratorMetadata metadata)
    {
        _inner = new Lazy<IEmbeddingGenerator<string, Embedding<float>>>(factory, LazyThreadSafetyMode.ExecutionAndPublication);
        _metadata = metadata;
    }

    /// <summary>True once the underlying model has been created.</summary>
    public bool IsLoaded => _inner.IsValueCreated;

    /// <summary>The local all-MiniLM-L6-v2 embedder, loaded on first use; see <see cref="OnnxSentenceEmbedder.CreateMiniLm"/>.</summary>
    public static LazyEmbeddingGenerator MiniLm(int intraOpThreads = 0, int maxTokens = OnnxSentenceEmbedder.DefaultMaxTokens) =>
        new(() => OnnxSentenceEmbedder.CreateMiniLm(intraOpThreads, maxTokens), new EmbeddingGeneratorMetadata("onnx", null, OnnxSentenceEmbedder.ModelIdFor(maxTokens), 384));

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        _inner.Value.GenerateAsync(values, options, cancellationToken);

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : _inner.IsValueCreated ? _inner.Value.GetService(serviceType, serviceKey) : null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_inner.IsValueCreated)
        {
            _inner.Value.Dispose();
        }
    }
}
