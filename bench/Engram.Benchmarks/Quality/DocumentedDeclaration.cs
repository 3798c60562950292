namespace Engram.Benchmarks.Quality;

/// <summary>A declaration found in a corpus together with the doc text written for it.</summary>
/// <param name="Text">The rendered query text (summary or first JSDoc sentences).</param>
/// <param name="Target">The declaration's location in the indexed (stripped) copy.</param>
/// <param name="Kind">What is declared: <c>type</c>, <c>method</c>, <c>function</c>, ….</param>
internal sealed record DocumentedDeclaration(string Text, TargetSpan Target, string Kind);
