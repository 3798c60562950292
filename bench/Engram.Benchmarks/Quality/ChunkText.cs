using Engram.Core.Chunking;

namespace Engram.Benchmarks.Quality;

/// <summary>The text of a chunk that the baselines index and embed.</summary>
internal static class ChunkText
{
    /// <summary>
    /// Returns a header line <c>path symbol</c> (the symbol omitted when null) followed by the chunk's code, which
    /// is what Engram embeds; the embedder truncates it to its token limit (256 word pieces).
    /// </summary>
    public static string For(Chunk chunk) =>
        (chunk.Symbol is null ? chunk.Path : $"{chunk.Path} {chunk.Symbol}") + "\n" + chunk.Code;
}
