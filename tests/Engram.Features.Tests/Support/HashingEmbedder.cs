using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Engram.Features.Tests.Support;

/// <summary>
/// A deterministic 384-dimension bag-of-words embedder (each lower-cased word hashed to a dimension, unit length):
/// texts sharing words are close. Stands in for MiniLM where embeddings are the point but the model is not.
/// </summary>
public sealed partial class HashingEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    public const int Dimension = 384;

    private readonly EmbeddingGeneratorMetadata _metadata = new("hashing", defaultModelId: "hashing-bow-384", defaultModelDimensions: Dimension);

    public int Calls { get; private set; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            result.Add(new Embedding<float>(Embed(value)));
        }

        return Task.FromResult(result);
    }

    public static float[] Embed(string text)
    {
        var vector = new float[Dimension];
        foreach (Match word in Word().Matches(text.ToLowerInvariant()))
        {
            var hash = 2166136261u;
            foreach (var c in word.Value)
            {
                hash = (hash ^ c) * 16777619;
            }

            vector[hash % Dimension] += 1;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    [GeneratedRegex("[a-z]+")]
    private static partial Regex Word();
}
