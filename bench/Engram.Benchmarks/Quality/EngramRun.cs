namespace Engram.Benchmarks.Quality;

/// <summary>The outcome of running the Engram CLI on one corpus.</summary>
/// <param name="Status"><c>ok</c>, or why there are no results (e.g. <c>engram: not available (…)</c>).</param>
/// <param name="Hits">Ranked hits per query id; empty when <paramref name="Status"/> is not <c>ok</c>.</param>
/// <param name="IndexSeconds">Wall time of <c>engram index</c>, or null.</param>
/// <param name="SearchSeconds">Wall time of the batch <c>engram search</c> (process start included), or null.</param>
/// <param name="IndexReport">The JSON that <c>engram index --json</c> printed, or null.</param>
/// <param name="Chunks">The chunk count Engram reported, or null.</param>
internal sealed record EngramRun(
    string Status,
    IReadOnlyDictionary<string, IReadOnlyList<SearchHit>> Hits,
    double? IndexSeconds,
    double? SearchSeconds,
    string? IndexReport,
    int? Chunks)
{
    /// <summary>A run that produced nothing, with the reason.</summary>
    public static EngramRun Unavailable(string status) => new(status, new Dictionary<string, IReadOnlyList<SearchHit>>(), null, null, null, null);
}
