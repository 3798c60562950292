using System.CommandLine;
using System.Text.Json;
using Engram.Core.Indexing;
using Engram.Core.Storage;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram index [PATH...]</c>: builds or incrementally updates the index of each root.</summary>
internal static class IndexCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("path")
        {
            Description = "Workspace roots to index (default: the current folder). Each root gets its own store.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var indexDir = CommonOptions.IndexDir();
        var json = CommonOptions.Json();
        var lexicalOnly = CommonOptions.LexicalOnly();
        var threads = CommonOptions.Threads();
        var verbose = CommonOptions.Verbose();
        var rebuild = new Option<bool>("--rebuild") { Description = "Drop the index's files and chunks and build again (embeddings are reused)." };
        var maxFileSize = new Option<long>("--max-file-size")
        {
            Description = "Skip files larger than this many bytes.",
            DefaultValueFactory = _ => IndexOptions.Default.MaxFileBytes,
        };
        var parallelism = new Option<int>("--parallelism")
        {
            Description = "Files read and chunked at once (0 = half the processors).",
            DefaultValueFactory = _ => 0,
        };

        var batchFiles = new Option<int>("--batch-files")
        {
            Description = "Files committed per transaction: the most work a crash can lose.",
            DefaultValueFactory = _ => IndexOptions.Default.BatchFiles,
        };

        var command = new Command("index", "Build or update the engram index of workspace roots (incremental from git diffs).")
        {
            paths, indexDir, json, lexicalOnly, threads, verbose, rebuild, maxFileSize, parallelism, batchFiles,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var roots = parse.GetValue(paths) is { Length: > 0 } given ? given : ["."];
            var dir = parse.GetValue(indexDir);
            if (dir is not null && roots.Length > 1)
            {
                Console.Error.WriteLine("engram: --index-dir names one store; give one root with it, or none to use the default location per root.");
                return ExitCodes.BadInput;
            }

            var resolved = new List<string>();
            foreach (var path in roots)
            {
                if (CliServices.ResolveRoot(path) is not { } root)
                {
                    return ExitCodes.BadInput;
                }

                resolved.Add(root);
            }

            var asJson = parse.GetValue(json);
            using var loggers = CliServices.CreateLoggerFactory(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Warning);
            using var embedder = CliServices.CreateEmbedder(parse.GetValue(lexicalOnly), parse.GetValue(threads));
            var indexer = new EngramIndexer(CliServices.CreateEncoder(), embedder, loggers.CreateLogger("engram.index"));
            if (parse.GetValue(batchFiles) < 1 || parse.GetValue(maxFileSize) < 1 || parse.GetValue(parallelism) < 0)
            {
                Console.Error.WriteLine("engram: --batch-files and --max-file-size must be positive, --parallelism zero or more.");
                return ExitCodes.BadInput;
            }

            var options = new IndexOptions(parse.GetValue(maxFileSize), parse.GetValue(parallelism), parse.GetValue(batchFiles), parse.GetValue(rebuild));
            var reports = new List<IndexReport>();
            try
            {
                foreach (var root in resolved)
                {
                    var database = IndexLocation.DatabasePath(root, dir);
                    reports.Add(asJson || Console.IsOutputRedirected
                        ? await indexer.IndexAsync(root, database, options, null, cancellationToken)
                        : await RunWithProgressAsync(indexer, root, database, options, cancellationToken));
                }
            }
            catch (IndexStoreException ex)
            {
                Console.Error.WriteLine($"engram: {ex.Message}");
                return ExitCodes.Failure;
            }

            if (asJson)
            {
                var payload = reports.Select(r => new
                {
                    root = r.Root,
                    database = r.DatabasePath,
                    mode = r.Mode,
                    indexedCommit = r.IndexedCommit,
                    filesExamined = r.FilesExamined,
                    filesUpdated = r.FilesUpdated,
                    filesDeleted = r.FilesDeleted,
                    files = r.Files,
                    chunks = r.Chunks,
                    chunksEncoded = r.ChunksEncoded,
                    chunksEmbedded = r.ChunksEmbedded,
                    seconds = Math.Round(r.Elapsed.TotalSeconds, 3),
                });
                Console.Out.WriteLine(JsonSerializer.Serialize(reports.Count == 1 ? (object)payload.First() : payload, CliServices.Json));
            }
            else
            {
                foreach (var r in reports)
                {
                    Console.Out.WriteLine(
                        $"{r.Root}: {r.Files} files, {r.Chunks} chunks; {r.FilesUpdated} files updated, {r.FilesDeleted} deleted, " +
                        $"{r.ChunksEncoded} chunks encoded, {r.ChunksEmbedded} embedded ({r.Mode}, {r.Elapsed.TotalSeconds:0.00} s)");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<IndexReport> RunWithProgressAsync(EngramIndexer indexer, string root, string database, IndexOptions options, CancellationToken cancellationToken)
    {
        IndexReport? report = null;
        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(Path.GetFileName(root)), maxValue: 1);
                var progress = new Progress<IndexProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = Markup.Escape($"{Path.GetFileName(root)}: {p.Phase}");
                });
                report = await indexer.IndexAsync(root, database, options, progress, cancellationToken);
            });
        return report!;
    }
}
