namespace Engram.Core.Chunking;

/// <summary>
/// A chunk before size limits are applied: its line range starts at <see cref="StartLine"/> (0-based,
/// the doc comment's first line when there is one) and its code is <c>text[CodeStart..CodeEnd]</c>.
/// </summary>
internal readonly record struct ChunkDraft(
    string Kind,
    string? Symbol,
    string? Container,
    string? DocComment,
    int StartLine,
    int CodeStart,
    int CodeEnd);
