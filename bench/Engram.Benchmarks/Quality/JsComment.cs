namespace Engram.Benchmarks.Quality;

/// <summary>A comment found by <see cref="JsScanner"/>.</summary>
/// <param name="Start">Offset of its first character (<c>/</c>).</param>
/// <param name="End">Offset just past its last character (for a line comment: before the newline).</param>
/// <param name="IsBlock">True for <c>/* */</c>, false for <c>//</c>.</param>
/// <param name="IsJsDoc">True for a <c>/** */</c> block.</param>
/// <param name="Depth">Bracket depth at the comment: 0 at top level.</param>
internal readonly record struct JsComment(int Start, int End, bool IsBlock, bool IsJsDoc, int Depth);
