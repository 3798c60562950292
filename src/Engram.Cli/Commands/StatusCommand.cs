using System.CommandLine;
using System.Text.Json;
using Engram.Core.Storage;
using LibGit2Sharp;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram status [PATH] [--json]</c>: where the index is, its size, chunk count, indexed commit, staleness.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var path = new Argument<string?>("path") { Description = "Workspace root (default: the current folder).", Arity = ArgumentArity.ZeroOrOne };
        var indexDir = CommonOptions.IndexDir();
        var json = CommonOptions.Json();
        var command = new Command("status", "Show where the index of a root is, its size, chunk count, indexed commit and staleness.")
        {
            path, indexDir, json,
        };
        command.SetAction(parse =>
        {
            if (CliServices.ResolveRoot(parse.GetValue(path)) is not { } root)
            {
                return ExitCodes.BadInput;
            }

            var database = IndexLocation.DatabasePath(root, parse.GetValue(indexDir));
            StoreStatistics statistics;
            try
            {
                using var store = EngramStore.Open(database, Core.Hypervectors.EncoderSettings.Default.Dimension, create: false, verify: true);
                statistics = store.GetStatistics();
            }
            catch (IndexStoreException ex)
            {
                Console.Error.WriteLine($"engram: {ex.Message}");
                return ExitCodes.Failure;
            }

            var (head, dirty) = GitState(root);
            var indexedCommit = string.IsNullOrEmpty(statistics.IndexedCommit) ? null : statistics.IndexedCommit;
            var stale = (head is not null && head != indexedCommit) || dirty > 0;
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    root,
                    database = statistics.DatabasePath,
                    databaseBytes = statistics.DatabaseBytes,
                    files = statistics.Files,
                    chunks = statistics.Chunks,
                    embeddings = statistics.Embeddings,
                    folders = statistics.Folders,
                    indexedCommit,
                    head,
                    dirtyFiles = dirty,
                    stale,
                    encoder = statistics.EncoderVersion,
                    embeddingModel = statistics.EmbeddingModel,
                    lastIndexedUtc = statistics.LastIndexedUtc,
                }, CliServices.Json));
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumns("", "");
            table.AddRow("Root", Markup.Escape(root));
            table.AddRow("Database", Markup.Escape(statistics.DatabasePath));
            table.AddRow("Size", $"{statistics.DatabaseBytes / 1024.0 / 1024.0:0.0} MiB");
            table.AddRow("Files / chunks", $"{statistics.Files} / {statistics.Chunks}");
            table.AddRow("Indexed commit", indexedCommit ?? "(not a git repository)");
            table.AddRow("HEAD", head ?? "-");
            table.AddRow("Stale", stale ? $"yes ({dirty} changed files in the working tree{(head != indexedCommit ? ", HEAD moved" : "")}); run 'engram index'" : "no");
            table.AddRow("Encoder / model", Markup.Escape($"{statistics.EncoderVersion} / {statistics.EmbeddingModel}"));
            table.AddRow("Last indexed", statistics.LastIndexedUtc?.ToString("u") ?? "never completed");
            AnsiConsole.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>HEAD's commit id (null outside git) and the number of changed, deleted and untracked files.</summary>
    internal static (string? Head, int Dirty) GitState(string root)
    {
        var gitDir = Repository.Discover(root);
        if (gitDir is null)
        {
            return (null, 0);
        }

        using var repository = new Repository(gitDir);
        var dirty = repository.RetrieveStatus(new StatusOptions { IncludeUntracked = true, RecurseUntrackedDirs = true })
            .Count(e => e.State != FileStatus.Unaltered && !e.State.HasFlag(FileStatus.Ignored));
        return (repository.Head.Tip?.Sha, dirty);
    }
}
