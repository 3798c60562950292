namespace Engram.Benchmarks.Quality;

/// <summary>The comments and top-level statements of one JavaScript file, in source order.</summary>
internal sealed record JsScanResult(IReadOnlyList<JsComment> Comments, IReadOnlyList<JsStatement> Statements);
