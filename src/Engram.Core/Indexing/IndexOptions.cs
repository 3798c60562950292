namespace Engram.Core.Indexing;

/// <summary>Options of an index build or update.</summary>
/// <param name="MaxFileBytes">Files larger than this are skipped (default 1 MiB).</param>
/// <param name="MaxParallelism">Files read and chunked at once (default: half the processors, at least 1), so an editor stays responsive.</param>
/// <param name="BatchFiles">Files committed per transaction (default 64): the most work a crash can lose.</param>
/// <param name="Rebuild">Drop every file and chunk first (embeddings are kept and reused by content hash).</param>
public sealed record IndexOptions(
    long MaxFileBytes = 1024 * 1024,
    int MaxParallelism = 0,
    int BatchFiles = 64,
    bool Rebuild = false)
{
    /// <summary>The default options.</summary>
    public static IndexOptions Default { get; } = new();

    /// <summary><see cref="MaxParallelism"/> resolved against the processor count.</summary>
    public int EffectiveParallelism => MaxParallelism > 0 ? MaxParallelism : Math.Max(1, Environment.ProcessorCount / 2);
}
