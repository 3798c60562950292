using System.Text.Json;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// Builds corpora into the work folder and remembers them: <c>corpora/&lt;name&gt;/</c> holds the files to index,
/// <c>meta/&lt;name&gt;.json</c> the queries, so a rerun skips downloading, decompiling and matching. Each corpus
/// folder is a git repository of its own (see <see cref="CorpusRepository"/>).
/// </summary>
internal static class CorpusStore
{
    // Bump when the way corpora or queries are built changes, so stale work folders are rebuilt.
    private const int BuilderVersion = 1;

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    /// <summary>
    /// Returns the corpus <paramref name="spec"/>, from the work folder when a complete build of the current
    /// builder version is there and <paramref name="rebuild"/> is false, else built now (network access to the
    /// registry on first use). Throws <see cref="InvalidOperationException"/> when fetching or building fails.
    /// </summary>
    public static async Task<BenchCorpus> LoadOrBuildAsync(CorpusSpec spec, string workDirectory, bool rebuild, CancellationToken cancellationToken)
    {
        var corpusDirectory = Path.Combine(workDirectory, "corpora", spec.Name);
        var metaPath = Path.Combine(workDirectory, "meta", spec.Name + ".json");
        if (!rebuild && TryLoad(metaPath, corpusDirectory) is { } cached)
        {
            CorpusRepository.EnsureCommitted(corpusDirectory);
            return cached;
        }

        BenchCorpus corpus;
        if (spec.Registry == "nuget")
        {
            var package = await PackageFetcher.FetchNuGetAsync(spec.PackageId, spec.Version, workDirectory, cancellationToken);
            corpus = CSharpCorpusBuilder.Build(spec, package, corpusDirectory, cancellationToken);
        }
        else
        {
            var package = await PackageFetcher.FetchNpmAsync(spec.PackageId, spec.Version, workDirectory, cancellationToken);
            corpus = JsCorpusBuilder.Build(spec, package, corpusDirectory, cancellationToken);
        }

        CorpusRepository.EnsureCommitted(corpusDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(metaPath)!);
        await File.WriteAllTextAsync(metaPath, JsonSerializer.Serialize(new StoredCorpus(BuilderVersion, corpus), s_json), cancellationToken);
        return corpus;
    }

    private static BenchCorpus? TryLoad(string metaPath, string corpusDirectory)
    {
        if (!File.Exists(metaPath) || !Directory.Exists(corpusDirectory))
        {
            return null;
        }

        try
        {
            var stored = JsonSerializer.Deserialize<StoredCorpus>(File.ReadAllText(metaPath), s_json);
            if (stored is null || stored.Version != BuilderVersion ||
                stored.Corpus.Files.Any(f => !File.Exists(Path.Combine(corpusDirectory, f))))
            {
                return null;
            }

            // The work folder may have moved since it was built.
            return stored.Corpus with { RootDirectory = corpusDirectory };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The on-disk form of a built corpus.</summary>
    /// <param name="Version">The builder version that produced it.</param>
    /// <param name="Corpus">The corpus.</param>
    private sealed record StoredCorpus(int Version, BenchCorpus Corpus);
}
