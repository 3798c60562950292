namespace Engram.Benchmarks.Quality;

/// <summary>A top-level statement found by <see cref="JsScanner"/>.</summary>
/// <param name="Start">Offset of its first significant character.</param>
/// <param name="End">Offset just past its last significant character (its <c>;</c> or closing <c>}</c>).</param>
internal readonly record struct JsStatement(int Start, int End);
