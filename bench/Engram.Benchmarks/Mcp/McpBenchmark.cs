namespace Engram.Benchmarks.Mcp;

/// <summary>Benchmarks of the Mcp part (placeholder until implemented).</summary>
internal static class McpBenchmark
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
