namespace Engram.Benchmarks.Quality;

/// <summary>The systems compared, as named in reports.</summary>
internal static class SystemNames
{
    /// <summary>Lucene.Net BM25 over identifier-split, lower-cased terms.</summary>
    public const string Bm25 = "bm25";

    /// <summary>MiniLM embeddings, brute-force cosine.</summary>
    public const string Dense = "dense";

    /// <summary>Reciprocal rank fusion of BM25 and dense, k = 60.</summary>
    public const string Rrf = "rrf";

    /// <summary>Engram itself, through its CLI.</summary>
    public const string Engram = "engram";

    /// <summary>The baselines, in report order.</summary>
    public static IReadOnlyList<string> Baselines { get; } = [Bm25, Dense, Rrf];

    /// <summary>Every system, in report order.</summary>
    public static IReadOnlyList<string> All { get; } = [Bm25, Dense, Rrf, Engram];
}
