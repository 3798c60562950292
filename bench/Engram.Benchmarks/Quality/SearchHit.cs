namespace Engram.Benchmarks.Quality;

/// <summary>One ranked result of a system: a location and its score (higher is better; scales differ by system).</summary>
/// <param name="Path">Path relative to the corpus root, forward slashes.</param>
/// <param name="StartLine">First line, 1-based inclusive.</param>
/// <param name="EndLine">Last line, 1-based inclusive.</param>
/// <param name="Score">The system's score.</param>
internal readonly record struct SearchHit(string Path, int StartLine, int EndLine, double Score);
