namespace Engram.Benchmarks.Quality;

/// <summary>Command-line options of the <c>quality</c> benchmark.</summary>
/// <param name="Corpora">Names of the corpora to run, in order (a subset of <see cref="CorpusCatalog.Names"/>).</param>
/// <param name="WorkDirectory">Absolute folder for downloads, built corpora, embedding caches and Engram indexes.</param>
/// <param name="ResultsDirectory">Absolute folder that receives <c>quality-&lt;date&gt;.json</c> and <c>.md</c>.</param>
/// <param name="Rebuild">Rebuild corpora even when the work folder already holds them.</param>
/// <param name="RunEngram">Whether to build and run the Engram CLI.</param>
/// <param name="EngramExecutable">A prebuilt <c>engram</c> executable, or null to build <c>src/Engram.Cli</c>.</param>
/// <param name="RunDense">Whether to compute the dense and fusion baselines.</param>
internal sealed record QualityOptions(
    IReadOnlyList<string> Corpora,
    string WorkDirectory,
    string ResultsDirectory,
    bool Rebuild,
    bool RunEngram,
    string? EngramExecutable,
    bool RunDense)
{
    /// <summary>
    /// Parses the arguments after <c>quality</c>. Relative folders are resolved against the repository root.
    /// Returns false with a one-line <paramref name="error"/> on an unknown option or corpus.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, out QualityOptions options, out string error)
    {
        var root = RepositoryPaths.FindRoot();
        var corpora = new List<string>();
        string? work = null;
        string? results = null;
        var rebuild = false;
        var runEngram = true;
        var runDense = true;
        string? engram = null;
        options = null!;
        error = "";
        for (var i = 0; i < args.Count; i++)
        {
            string? Next() => i + 1 < args.Count ? args[++i] : null;
            switch (args[i])
            {
                case "--corpus":
                    var names = Next();
                    if (names is null)
                    {
                        error = "--corpus needs a name";
                        return false;
                    }

                    foreach (var name in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!CorpusCatalog.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
                        {
                            error = $"unknown corpus '{name}' (known: {string.Join(", ", CorpusCatalog.Names)})";
                            return false;
                        }

                        corpora.Add(name.ToLowerInvariant());
                    }

                    break;
                case "--work":
                    work = Next();
                    break;
                case "--results":
                    results = Next();
                    break;
                case "--rebuild":
                    rebuild = true;
                    break;
                case "--no-engram":
                    runEngram = false;
                    break;
                case "--engram":
                    engram = Next();
                    break;
                case "--no-dense":
                    runDense = false;
                    break;
                default:
                    error = $"unknown option '{args[i]}'";
                    return false;
            }
        }

        if (corpora.Count == 0)
        {
            corpora.AddRange(CorpusCatalog.Names);
        }

        var resultsDirectory = Path.GetFullPath(results ?? Path.Combine("bench", "results"), root);
        options = new QualityOptions(
            corpora.Distinct().ToArray(),
            Path.GetFullPath(work ?? Path.Combine(resultsDirectory, "work"), root),
            resultsDirectory,
            rebuild,
            runEngram,
            engram is null ? null : Path.GetFullPath(engram),
            runDense);
        return true;
    }
}
