using System.Text;
using Microsoft.Extensions.AI;

namespace Engram.Features.Dialogue;

/// <summary>
/// Similarity of two texts in [0,1] for convergence detection and context compression: the cosine of term-frequency
/// vectors (lower-cased letter/digit runs of length ≥ 2), or of sentence embeddings.
/// </summary>
public static class TextSimilarity
{
    /// <summary>Cosine of the two texts' term-frequency vectors; 0 when either has no terms, 1 for equal term bags.</summary>
    public static double Lexical(string a, string b)
    {
        var va = Terms(a);
        var vb = Terms(b);
        if (va.Count == 0 || vb.Count == 0)
        {
            return 0;
        }

        double dot = 0;
        foreach (var (term, count) in va)
        {
            if (vb.TryGetValue(term, out var other))
            {
                dot += count * other;
            }
        }

        var na = Math.Sqrt(va.Values.Sum(v => (double)v * v));
        var nb = Math.Sqrt(vb.Values.Sum(v => (double)v * v));
        return Math.Clamp(dot / (na * nb), 0, 1);
    }

    /// <summary>A similarity function over <paramref name="generator"/>: the cosine of the two embeddings, clamped to [0,1].</summary>
    public static Func<string, string, CancellationToken, Task<double>> Embedding(IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return async (a, b, ct) =>
        {
            var embeddings = await generator.GenerateAsync([a, b], cancellationToken: ct).ConfigureAwait(false);
            var x = embeddings[0].Vector.Span;
            var y = embeddings[1].Vector.Span;
            double dot = 0, nx = 0, ny = 0;
            for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
            {
                dot += x[i] * y[i];
                nx += x[i] * x[i];
                ny += y[i] * y[i];
            }

            return nx == 0 || ny == 0 ? 0 : Math.Clamp(dot / Math.Sqrt(nx * ny), 0, 1);
        };
    }

    internal static Dictionary<string, int> Terms(string text)
    {
        var terms = new Dictionary<string, int>(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var ch in text + " ")
        {
            if (char.IsLetterOrDigit(ch))
            {
                sb.Append(char.ToLowerInvariant(ch));
                continue;
            }

            if (sb.Length >= 2)
            {
                var t = sb.ToString();
                terms[t] = terms.GetValueOrDefault(t) + 1;
            }

            sb.Clear();
        }

        return terms;
    }
}
