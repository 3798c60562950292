namespace Engram.Benchmarks.Quality;

/// <summary>What a finished child process left behind.</summary>
/// <param name="ExitCode">The exit code; -1 when it was killed on timeout.</param>
/// <param name="StandardOutput">Everything it wrote to stdout.</param>
/// <param name="StandardError">Everything it wrote to stderr.</param>
/// <param name="Elapsed">Wall time from start to exit.</param>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    /// <summary>The last <paramref name="maxChars"/> characters of stderr, else of stdout, for error messages.</summary>
    public string Tail(int maxChars = 2000)
    {
        var text = string.IsNullOrWhiteSpace(StandardError) ? StandardOutput : StandardError;
        text = text.Trim();
        return text.Length <= maxChars ? text : "…" + text[^maxChars..];
    }
}
