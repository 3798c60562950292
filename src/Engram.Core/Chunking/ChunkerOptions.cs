namespace Engram.Core.Chunking;

/// <summary>Size limits for <see cref="Chunker.Chunk"/>.</summary>
/// <remarks>
/// A chunk whose line range (doc comment included) is longer than <see cref="MaxChunkLines"/>, or whose
/// <see cref="Chunk.Code"/> is longer than <see cref="MaxChunkChars"/>, is split into consecutive pieces.
/// The language-agnostic chunker also merges small neighbouring blocks up to half of each limit.
/// </remarks>
public sealed record ChunkerOptions
{
    /// <summary>The options used when none are given: 80 lines, 4000 characters.</summary>
    public static ChunkerOptions Default { get; } = new();

    /// <summary>Most lines in one chunk, counted from <see cref="Chunk.StartLine"/> to <see cref="Chunk.EndLine"/>; at least 1. Default 80.</summary>
    public int MaxChunkLines { get; init; } = 80;

    /// <summary>Most UTF-16 characters in one chunk's <see cref="Chunk.Code"/>; at least 1. Default 4000.</summary>
    /// <remarks>A single source line longer than this is cut into pieces that all report that line.</remarks>
    public int MaxChunkChars { get; init; } = 4000;
}
