namespace Engram.Core.Search;

/// <summary>One search result.</summary>
/// <param name="Path">Relative to the root, forward slashes.</param>
/// <param name="StartLine">1-based inclusive.</param>
/// <param name="EndLine">1-based inclusive.</param>
/// <param name="Score">Relevance in [0, 1]; hits are ordered by descending score.</param>
/// <param name="Symbol">Declared name, or null for anonymous blocks.</param>
/// <param name="Kind">A <see cref="Chunking.ChunkKinds"/> value.</param>
/// <param name="Container">Containing namespace and types, or null.</param>
/// <param name="Snippet">The first lines of the chunk's code as indexed (at most 12 lines).</param>
/// <param name="IndexedCommit">HEAD commit id when the file was indexed, or null outside git.</param>
/// <param name="Stale">True when the file changed on disk (or disappeared) since it was indexed.</param>
/// <param name="Root">Full path of the workspace root the hit belongs to.</param>
/// <param name="Dense">Cosine similarity of query and chunk embeddings, in [−1, 1] (0 without embeddings).</param>
/// <param name="Lexical">BM25F score of the query terms in the chunk, ≥ 0, unnormalised.</param>
/// <param name="HypervectorSimilarity">Hypervector similarity of query and chunk in [0, 1] (0.5 is chance): the candidate-generation score.</param>
public sealed record SearchHit(
    string Path,
    int StartLine,
    int EndLine,
    double Score,
    string? Symbol,
    string Kind,
    string? Container,
    string Snippet,
    string? IndexedCommit,
    bool Stale,
    string Root,
    double Dense,
    double Lexical,
    double HypervectorSimilarity);
