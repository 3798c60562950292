using Engram.Core.Chunking;
using Engram.Core.Text;

namespace Engram.Core.Hypervectors;

/// <summary>
/// The lexical evidence of a chunk or a query, by role: terms of its symbol, its container, its doc comment,
/// its code and its path, each with a count.
/// </summary>
/// <param name="Symbol">Terms of the declared name (e.g. <c>TryParseJson</c> → try, parse, json, tryparsejson).</param>
/// <param name="Container">Terms of the containing namespace and types.</param>
/// <param name="Doc">Terms of the doc comment.</param>
/// <param name="Code">Terms of the code.</param>
/// <param name="Path">Terms of the relative path (folders, file name, extension).</param>
public sealed record ChunkFeatures(
    IReadOnlyDictionary<string, int> Symbol,
    IReadOnlyDictionary<string, int> Container,
    IReadOnlyDictionary<string, int> Doc,
    IReadOnlyDictionary<string, int> Code,
    IReadOnlyDictionary<string, int> Path)
{
    /// <summary>Extracts the features of a chunk with <see cref="TermTokenizer"/>.</summary>
    public static ChunkFeatures FromChunk(Chunk chunk) => new(
        Count(chunk.Symbol),
        Count(chunk.Container),
        Count(chunk.DocComment),
        Count(chunk.Code),
        Count(chunk.Path));

    /// <summary>
    /// Field-weighted term frequencies for BM25F-style scoring: symbol ×3, doc ×2, code, container and path ×1.
    /// Keys are terms; values are weighted counts (≥ 1).
    /// </summary>
    public Dictionary<string, int> WeightedTerms()
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        AddWeighted(result, Symbol, 3);
        AddWeighted(result, Doc, 2);
        AddWeighted(result, Code, 1);
        AddWeighted(result, Container, 1);
        AddWeighted(result, Path, 1);
        return result;
    }

    private static void AddWeighted(Dictionary<string, int> result, IReadOnlyDictionary<string, int> field, int weight)
    {
        foreach (var (term, count) in field)
        {
            result[term] = result.GetValueOrDefault(term) + weight * count;
        }
    }

    private static Dictionary<string, int> Count(string? text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text))
        {
            return counts;
        }

        foreach (var term in TermTokenizer.Tokenize(text))
        {
            counts[term] = counts.GetValueOrDefault(term) + 1;
        }

        return counts;
    }
}
