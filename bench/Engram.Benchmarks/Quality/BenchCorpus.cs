namespace Engram.Benchmarks.Quality;

/// <summary>A built corpus: the folder of source files to index and the queries with their targets.</summary>
/// <param name="Name">Short name, e.g. <c>newtonsoft</c>.</param>
/// <param name="Language">Language of the sources: <c>csharp</c> or <c>javascript</c>.</param>
/// <param name="Package">Registry package id and version, e.g. <c>Newtonsoft.Json 13.0.4</c>.</param>
/// <param name="RootDirectory">Absolute folder that holds only the files to index (doc comments stripped).</param>
/// <param name="Files">Paths of the files relative to <paramref name="RootDirectory"/>, forward slashes, sorted.</param>
/// <param name="Queries">The deduplicated queries.</param>
/// <param name="Notes">How the queries were obtained: counts of skipped and unmatched doc comments, examples.</param>
internal sealed record BenchCorpus(
    string Name,
    string Language,
    string Package,
    string RootDirectory,
    IReadOnlyList<string> Files,
    IReadOnlyList<BenchQuery> Queries,
    IReadOnlyDictionary<string, string> Notes);
