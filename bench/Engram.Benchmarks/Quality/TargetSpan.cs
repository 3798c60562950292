namespace Engram.Benchmarks.Quality;

/// <summary>A location in a corpus: a file and an inclusive, 1-based line range.</summary>
/// <param name="Path">Path relative to the corpus root, forward slashes.</param>
/// <param name="StartLine">First line, 1-based inclusive.</param>
/// <param name="EndLine">Last line, 1-based inclusive, ≥ <paramref name="StartLine"/>.</param>
internal sealed record TargetSpan(string Path, int StartLine, int EndLine)
{
    /// <summary>True when <paramref name="path"/> is this file and the line ranges share at least one line.</summary>
    public bool Overlaps(string path, int startLine, int endLine) =>
        string.Equals(Path, path, StringComparison.Ordinal) && startLine <= EndLine && StartLine <= endLine;
}
