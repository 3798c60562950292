namespace Engram.Benchmarks.Lsp;

/// <summary>Benchmarks of the Lsp part (placeholder until implemented).</summary>
internal static class LspBenchmark
{
    /// <summary>Runs the benchmark; returns the process exit code.</summary>
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        _ = args;
        _ = cancellationToken;
        Console.Error.WriteLine("not implemented yet");
        return Task.FromResult(1);
    }
}
