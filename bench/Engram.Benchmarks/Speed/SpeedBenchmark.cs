using System.Diagnostics;
using System.Globalization;
using System.Text;
using Engram.Core.Hypervectors;
using Engram.Core.Indexing;
using Engram.Core.Search;
using Engram.Models.Embeddings;
using LibGit2Sharp;

namespace Engram.Benchmarks.Speed;

/// <summary>
/// Speed and scale of the engram index, in-process: full build throughput (with and without embeddings), query
/// latency p50/p95 at about 10k and 100k chunks, search-resident bytes per chunk, process RSS, and freshness (a
/// one-file edit and a branch switch picked up by an incremental update on a ≈ 10k-chunk git repository).
/// </summary>
/// <remarks>
/// Corpora are the four quality-benchmark corpora (run <c>quality</c> first to build them). The 100k-chunk index
/// replicates them into distinct folders; replicas share embeddings by content hash, so only the first copy is
/// embedded, while candidate generation and re-ranking see every chunk.
/// </remarks>
internal static class SpeedBenchmark
{
    private static readonly string[] s_corpora = ["newtonsoft", "nodatime", "ramda", "underscore"];

    private static readonly string[] s_queries =
    [
        "serialize an object to a JSON string", "parse a date from text with a pattern", "time zone offset at an instant",
        "curry a function of several arguments", "debounce a function call", "read the next token from the reader",
        "convert a value to its string representation", "compare two periods for equality", "filter a list with a predicate",
        "merge two objects deeply", "throws when the argument is null", "number of days between two local dates",
        "write a property name", "create a lens focusing on a property", "cache the results of a function",
        "gets or sets how null values are handled", "period between two dates in months", "flatten a nested array",
        "escape a string for JavaScript", "leap year calculation",
    ];

    public static async Task<int> RunAsync(string workDirectory, string resultsDirectory, CancellationToken cancellationToken)
    {
        var corporaRoot = Path.Combine(workDirectory, "corpora");
        if (!s_corpora.All(c => Directory.Exists(Path.Combine(corporaRoot, c))))
        {
            Console.Error.WriteLine($"corpora missing under {corporaRoot}: run the quality benchmark first");
            return 1;
        }

        // Outside any enclosing git work tree, whose .gitignore would hide the copies.
        var speedRoot = Path.Combine(Path.GetTempPath(), "engram-speed-bench");
        if (Directory.Exists(speedRoot))
        {
            Directory.Delete(speedRoot, recursive: true);
        }

        Directory.CreateDirectory(speedRoot);
        var report = new StringBuilder();
        var line = (string text) =>
        {
            Console.WriteLine(text);
            report.AppendLine(text);
        };
        line($"# Speed and scale — {DateTime.UtcNow:yyyy-MM-dd}");
        line("");
        line($"Command: `dotnet run -c Release --project bench/Engram.Benchmarks -- speed`  ");
        line($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        line("");

        var encoder = new HypervectorEncoder(EncoderSettings.Default, 384);
        using var embedder = OnnxSentenceEmbedder.CreateMiniLm();

        // 1. Full build of the four corpora (≈ 7k chunks), with and without embeddings, as a git repository.
        var repo = Path.Combine(speedRoot, "repo");
        foreach (var corpus in s_corpora)
        {
            CopyDirectory(Path.Combine(corporaRoot, corpus), Path.Combine(repo, corpus));
        }

        InitGit(repo);
        line("## Full build");
        line("");
        line("| variant | files | chunks | seconds | chunks/s | files/s |");
        line("|---|---:|---:|---:|---:|---:|");
        var lexicalReport = await new EngramIndexer(encoder, null).IndexAsync(repo, Path.Combine(speedRoot, "lexical.db"), cancellationToken: cancellationToken);
        line(BuildRow("lexical only (no embedding model)", lexicalReport));
        var fullReport = await new EngramIndexer(encoder, embedder).IndexAsync(repo, Path.Combine(speedRoot, "full.db"), cancellationToken: cancellationToken);
        line(BuildRow($"with embeddings ({embedder.ModelId}, {embedder.MaxTokens} tokens)", fullReport));
        line("");

        // 2. Freshness on the git repository: one-file edit and a branch switch.
        line("## Freshness (incremental `IndexAsync` on the full index above)");
        line("");
        line("| change | files updated | chunks embedded | seconds |");
        line("|---|---:|---:|---:|");
        var database = Path.Combine(speedRoot, "full.db");
        var indexer = new EngramIndexer(encoder, embedder);
        var target = Directory.EnumerateFiles(Path.Combine(repo, "newtonsoft"), "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var noChange = await indexer.IndexAsync(repo, database, cancellationToken: cancellationToken);
        line($"| nothing changed | {noChange.FilesUpdated} | {noChange.ChunksEmbedded} | {noChange.Elapsed.TotalSeconds:0.000} |");
        var edits = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            File.AppendAllText(target, $"\n// edit {i}\npublic static class Edited{i} {{ public static int Value{i}() => {i}; }}\n");
            var edit = await indexer.IndexAsync(repo, database, cancellationToken: cancellationToken);
            edits.Add(edit.Elapsed.TotalSeconds);
            if (i == 0)
            {
                line($"| one file edited (working tree) | {edit.FilesUpdated} | {edit.ChunksEmbedded} | {edit.Elapsed.TotalSeconds:0.000} |");
            }
        }

        line($"| one file edited, median of 5 | | | {Median(edits):0.000} |");
        using (var git = new Repository(repo))
        {
            var main = git.Head.FriendlyName;
            git.CreateBranch("other");
            Commands.Checkout(git, "other");
            foreach (var file in Directory.EnumerateFiles(Path.Combine(repo, "ramda"), "*.js", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(20))
            {
                File.AppendAllText(file, "\nexport const branchMarker = 1;\n");
            }

            Commands.Stage(git, "*");
            var author = new Signature("bench", "bench@example.invalid", DateTimeOffset.UtcNow);
            git.Commit("branch work", author, author);
            Commands.Checkout(git, main, new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });
            await indexer.IndexAsync(repo, database, cancellationToken: cancellationToken);
            Commands.Checkout(git, "other");
            var toBranch = await indexer.IndexAsync(repo, database, cancellationToken: cancellationToken);
            line($"| `git checkout` of a branch changing 20 files | {toBranch.FilesUpdated} | {toBranch.ChunksEmbedded} | {toBranch.Elapsed.TotalSeconds:0.000} |");
            Commands.Checkout(git, main, new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });
            var back = await indexer.IndexAsync(repo, database, cancellationToken: cancellationToken);
            line($"| `git checkout` back | {back.FilesUpdated} | {back.ChunksEmbedded} | {back.Elapsed.TotalSeconds:0.000} |");
        }

        line("");

        // 3. Query latency at ≈ 10k and ≈ 100k chunks.
        line("## Query latency (in-process, query embedding included)");
        line("");
        line("| chunks | p50 ms | p95 ms | resident bytes/chunk | term table bytes/chunk | process RSS MiB |");
        line("|---:|---:|---:|---:|---:|---:|");
        foreach (var copies in new[] { 1, 14 })
        {
            var scaleRoot = Path.Combine(speedRoot, $"scale{copies}");
            for (var c = 0; c < copies; c++)
            {
                foreach (var corpus in s_corpora)
                {
                    CopyDirectory(Path.Combine(corporaRoot, corpus), Path.Combine(scaleRoot, $"copy{c:00}", corpus));
                }
            }

            var scaleDatabase = Path.Combine(speedRoot, $"scale{copies}.db");
            var built = await new EngramIndexer(encoder, embedder).IndexAsync(scaleRoot, scaleDatabase, cancellationToken: cancellationToken);
            using var searcher = EngramSearcher.Open(scaleRoot, scaleDatabase, encoder, embedder);
            foreach (var query in s_queries.Take(5))
            {
                await searcher.SearchAsync(query, cancellationToken: cancellationToken);
            }

            var timings = new List<double>();
            for (var round = 0; round < 10; round++)
            {
                foreach (var query in s_queries)
                {
                    var stopwatch = Stopwatch.StartNew();
                    await searcher.SearchAsync(query, cancellationToken: cancellationToken);
                    timings.Add(stopwatch.Elapsed.TotalMilliseconds);
                }
            }

            timings.Sort();
            var rss = Process.GetCurrentProcess().WorkingSet64 / 1024.0 / 1024.0;
            line(string.Create(CultureInfo.InvariantCulture,
                $"| {built.Chunks} | {Percentile(timings, 0.50):0.00} | {Percentile(timings, 0.95):0.00} | {searcher.ResidentBytes / (double)searcher.ChunkCount:0} | {searcher.TermTableBytes / (double)searcher.ChunkCount:0} | {rss:0} |"));
        }

        line("");
        Directory.CreateDirectory(resultsDirectory);
        var path = Path.Combine(resultsDirectory, $"speed-{DateTime.UtcNow:yyyy-MM-dd}.md");
        await File.WriteAllTextAsync(path, report.ToString(), cancellationToken);
        Console.WriteLine($"written {path}");
        return 0;
    }

    private static string BuildRow(string variant, IndexReport report) => string.Create(CultureInfo.InvariantCulture,
        $"| {variant} | {report.Files} | {report.Chunks} | {report.Elapsed.TotalSeconds:0.0} | {report.Chunks / report.Elapsed.TotalSeconds:0} | {report.Files / report.Elapsed.TotalSeconds:0} |");

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static void InitGit(string root)
    {
        Repository.Init(root);
        using var git = new Repository(root);
        Commands.Stage(git, "*");
        var author = new Signature("bench", "bench@example.invalid", DateTimeOffset.UtcNow);
        git.Commit("corpora", author, author);
    }

    private static void CopyDirectory(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            if (Path.GetRelativePath(source, file).Split(Path.DirectorySeparatorChar).Contains(".git"))
            {
                continue;
            }

            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
