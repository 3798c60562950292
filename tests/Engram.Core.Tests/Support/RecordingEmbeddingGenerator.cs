using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Engram.Core.Tests.Support;

/// <summary>Passes every call to a real embedder and records the texts it was asked to embed.</summary>
internal sealed class RecordingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly ConcurrentQueue<string> _texts = new();

    public IReadOnlyList<string> Texts => _texts.ToList();

    public void Clear() => _texts.Clear();

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values.ToList();
        foreach (var text in list)
        {
            _texts.Enqueue(text);
        }

        return inner.GenerateAsync(list, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

    public void Dispose()
    {
        // The inner model is shared by the whole test run.
    }
}
