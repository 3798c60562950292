using Engram.Benchmarks.Quality;

namespace Engram.Benchmarks;

/// <summary>Entry point of the benchmark runner: <c>engram-bench quality [options]</c>.</summary>
internal static class Program
{
    /// <summary>Dispatches the sub-command. Returns 0 on success, 1 on a failed run, 2 on a usage error.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        try
        {
            switch (args[0])
            {
                case "quality":
                    if (!QualityOptions.TryParse(args[1..], out var options, out var error))
                    {
                        Console.Error.WriteLine(error);
                        Console.Error.WriteLine(Usage);
                        return 2;
                    }

                    return await QualityBenchmark.RunAsync(options, args, cancellation.Token);
                case "router":
                    return await Router.RouterBenchmark.RunAsync(cancellation.Token);
                case "tune":
                    return await Tuning.FusionTuner.RunAsync(args.Length > 2 && args[1] == "--work" ? args[2] : Path.Combine(Quality.RepositoryPaths.FindRoot(), "bench", "results", "work"), cancellation.Token);
                case "speed":
                    var work = args.Length > 2 && args[1] == "--work" ? args[2] : Path.Combine(Quality.RepositoryPaths.FindRoot(), "bench", "results", "work");
                    return await Speed.SpeedBenchmark.RunAsync(work, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(work))!), cancellation.Token);
                case "local-completion":
                    var lcWork = args.Length > 2 && args[1] == "--work" ? args[2] : LocalCompletion.LocalCompletionBenchmark.DefaultWorkDirectory();
                    return await LocalCompletion.LocalCompletionBenchmark.RunAsync(lcWork, Path.Combine(Quality.RepositoryPaths.FindRoot(), "bench", "results"), cancellation.Token);
                case "lsp":
                    return await Lsp.LspBenchmark.RunAsync(args[1..], cancellation.Token);
                case "mcp":
                    return await Mcp.McpBenchmark.RunAsync(args[1..], cancellation.Token);
                case "word-model":
                    return await Completion.WordModelBenchmark.RunAsync(args[1..], cancellation.Token);
                case "completion-heldout":
                    return await Completion.HeldOutCompletionBenchmark.RunAsync(args[1..], cancellation.Token);
                case "dialogue":
                    return await Dialogue.DialogueBenchmark.RunAsync(args[1..], cancellation.Token);
                case "files":
                    return await Files.SafeReadBenchmark.RunAsync(args[1..], cancellation.Token);
                default:
                    Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
    }

    private const string Usage = """
        usage: dotnet run -c Release --project bench/Engram.Benchmarks -- quality [options]

          --corpus NAME    run only this corpus (repeatable or comma-separated):
                           newtonsoft, nodatime, ramda, underscore (default: all four)
          --work DIR       work folder for packages, corpora, caches and Engram indexes
                           (default: bench/results/work)
          --results DIR    where quality-<date>.json/.md go (default: bench/results)
          --rebuild        rebuild the corpora even when the work folder has them
          --no-engram      skip the Engram CLI (baselines only)
          --engram PATH    use this engram executable instead of building src/Engram.Cli
          --no-dense       skip the dense and fusion baselines (no embedding model needed)
        
        usage: dotnet run -c Release --project bench/Engram.Benchmarks -- speed [--work DIR]

          full build throughput, query p50/p95 at ~10k and ~100k chunks, resident bytes per chunk,
          freshness of one-file edits and branch switches; needs the corpora of a quality run in
          <work>/corpora; writes speed-<date>.md beside the work folder

        usage: dotnet run -c Release --project bench/Engram.Benchmarks -- router

          in-process overhead of routing, fallback and budget over a no-op chat client (p50/p95)

        usage: dotnet run -c Release --project bench/Engram.Benchmarks -- local-completion [--work DIR]

          cold vs warm (prefix reuse) local completion on a random-weight GGUF of Qwen2.5-0.5B Q4 shape,
          generated in DIR at run time and deleted after; writes bench/results/local-completion-<date>.md

        usage: dotnet run -c Release --project bench/Engram.Benchmarks -- word-model [--roots DIR...] [--positions N]

          the workspace word-completion model alone: training time, managed heap and bytes/token, Complete
          p50/p95/p99 and top-1/top-5 accuracy (default 3,000 positions), SetDocument p50/p95; default roots:
          /usr/lib/python3.11, /usr/lib/python3, /usr/lib/node_modules (where present) and this repository

        usage: dotnet run -c Release --project bench/Engram.Benchmarks -- completion-heldout --repo NAME=DIR:EXT[,EXT] ...
                   [--held-out 40] [--positions 2000] [--seed 16]

          next-word completion on held-out files typed from their start (0-3 characters of the word typed), top-1
          and top-5 for Engram, the open document's words by frequency and workspace unigrams, per repository

        usage: dotnet run -c Release --project bench/Engram.Benchmarks -- files [--root DIR] [--index DB]

          what the hostile-input defences cost: File.ReadAllBytes against WorkspaceFile.ReadAllBytes over every
          file under 1 MiB of DIR (default: src/), and PRAGMA quick_check of the index DB
""";
}
