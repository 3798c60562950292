namespace Engram.Models.Discovery;

/// <summary>
/// Stands in for an array value in <see cref="GgufHeader.Metadata"/>: its element type and length only.
/// </summary>
/// <remarks>Array contents (vocabularies, merges, scores) are skipped while reading, never kept.</remarks>
/// <param name="ElementType">The type of every element.</param>
/// <param name="Count">The number of elements.</param>
public readonly record struct GgufArray(GgufValueType ElementType, ulong Count);
