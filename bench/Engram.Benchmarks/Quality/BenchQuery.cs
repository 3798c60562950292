namespace Engram.Benchmarks.Quality;

/// <summary>One natural-language query and the code it documents.</summary>
/// <param name="Id">Stable id within the run, e.g. <c>ramda-00042</c>.</param>
/// <param name="Text">The query: the rendered first sentences or summary of a doc comment.</param>
/// <param name="Targets">
/// Declarations documented by exactly this text; a hit on any of them counts (several only for identical
/// summaries, e.g. overloads, which are merged into one query).
/// </param>
/// <param name="Kind">What the first target is: <c>type</c>, <c>method</c>, <c>property</c>, <c>field</c>, … or <c>function</c> in JavaScript.</param>
internal sealed record BenchQuery(string Id, string Text, IReadOnlyList<TargetSpan> Targets, string Kind);
