namespace Engram.Benchmarks.Quality;

/// <summary>Everything measured on one corpus.</summary>
/// <param name="Corpus">Name of the corpus.</param>
/// <param name="Language"><c>csharp</c> or <c>javascript</c>.</param>
/// <param name="Package">Registry package and version.</param>
/// <param name="Files">Files indexed.</param>
/// <param name="Chunks">Chunks produced by <c>Engram.Core.Chunking.Chunker</c>, used by every baseline.</param>
/// <param name="Queries">Queries evaluated.</param>
/// <param name="MultiTargetQueries">Queries with several targets (merged same-file duplicates).</param>
/// <param name="QueriesByKind">Query counts by the kind of their target.</param>
/// <param name="Metrics">Metrics by system name (<see cref="SystemNames"/>); a system that did not run is absent.</param>
/// <param name="EngramStatus"><c>ok</c>, or why Engram has no metrics.</param>
/// <param name="EngramChunks">Chunks Engram reported indexing, or null.</param>
/// <param name="EngramOverBestBaselineMrr">Engram MRR@10 divided by the best baseline MRR@10, or null.</param>
/// <param name="Seconds">Wall times of the steps, in seconds, by step name.</param>
/// <param name="Notes">How the queries were built (skipped, unmatched, merged, dropped counts).</param>
internal sealed record CorpusResult(
    string Corpus,
    string Language,
    string Package,
    int Files,
    int Chunks,
    int Queries,
    int MultiTargetQueries,
    IReadOnlyDictionary<string, int> QueriesByKind,
    IReadOnlyDictionary<string, MetricSet> Metrics,
    string EngramStatus,
    int? EngramChunks,
    double? EngramOverBestBaselineMrr,
    IReadOnlyDictionary<string, double> Seconds,
    IReadOnlyDictionary<string, string> Notes);
