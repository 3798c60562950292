using System.CommandLine;
using System.Text.Json;
using Engram.Core.Search;
using Engram.Core.Storage;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary>
/// <c>engram search --path PATH [--top N] [--json] QUERY</c> and the batch form
/// <c>engram search --path PATH --queries FILE.jsonl --top N --json</c>.
/// </summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var query = new Argument<string?>("query") { Description = "Natural-language or identifier query.", Arity = ArgumentArity.ZeroOrOne };
        var paths = new Option<string[]>("--path", "-p")
        {
            Description = "Indexed workspace root (repeat for several roots; default: the current folder).",
            AllowMultipleArgumentsPerToken = false,
        };
        var top = new Option<int>("--top", "-n") { Description = "Hits to return (1–1000).", DefaultValueFactory = _ => 10 };
        var queries = new Option<string?>("--queries")
        {
            Description = "JSONL file of {\"id\": ..., \"query\": ...} lines; writes one {\"id\": ..., \"results\": [...]} line each. The index is loaded once.",
        };
        var kind = new Option<string[]>("--kind") { Description = "Only chunks of these kinds (method, type, property, section, block, ...)." };
        var indexDir = CommonOptions.IndexDir();
        var json = CommonOptions.Json();
        var lexicalOnly = CommonOptions.LexicalOnly();
        var threads = CommonOptions.Threads();
        var command = new Command("search", "Search the engram index with a natural-language or identifier query.")
        {
            query, paths, top, queries, kind, indexDir, json, lexicalOnly, threads,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var roots = parse.GetValue(paths) is { Length: > 0 } given ? given : ["."];
            var dir = parse.GetValue(indexDir);
            var n = parse.GetValue(top);
            if (n is < 1 or > 1000)
            {
                Console.Error.WriteLine("engram: --top must be between 1 and 1000.");
                return ExitCodes.BadInput;
            }

            if (dir is not null && roots.Length > 1)
            {
                Console.Error.WriteLine("engram: --index-dir names one store; give one --path with it.");
                return ExitCodes.BadInput;
            }

            var text = parse.GetValue(query);
            var batchFile = parse.GetValue(queries);
            List<(JsonElement Id, string Query)> batch = [];
            if (batchFile is not null)
            {
                if (text is not null)
                {
                    Console.Error.WriteLine("engram: give either a QUERY or --queries FILE, not both.");
                    return ExitCodes.BadInput;
                }

                if (ReadBatch(batchFile) is not { } parsed)
                {
                    return ExitCodes.BadInput;
                }

                batch = parsed;
            }
            else if (string.IsNullOrWhiteSpace(text))
            {
                Console.Error.WriteLine("engram: the query is empty. Usage: engram search --path PATH \"how are bundles updated\"");
                return ExitCodes.BadInput;
            }

            var kinds = parse.GetValue(kind) is { Length: > 0 } k ? new HashSet<string>(k, StringComparer.Ordinal) : null;
            var options = new SearchOptions(n, Kinds: kinds);
            var encoder = CliServices.CreateEncoder();
            using var embedder = CliServices.CreateEmbedder(parse.GetValue(lexicalOnly), parse.GetValue(threads));
            var searchers = new List<EngramSearcher>();
            try
            {
                foreach (var path in roots)
                {
                    if (CliServices.ResolveRoot(path) is not { } root)
                    {
                        return ExitCodes.BadInput;
                    }

                    searchers.Add(EngramSearcher.OpenAsBuilt(root, IndexLocation.DatabasePath(root, dir), encoder, embedder));
                }

                if (batchFile is not null)
                {
                    foreach (var (id, q) in batch)
                    {
                        var hits = await SearchAllAsync(searchers, q, options, cancellationToken);
                        var line = JsonSerializer.Serialize(new { id, results = hits.Select(ToJson) }, CliServices.Json);
                        Console.Out.WriteLine(line);
                    }

                    return ExitCodes.Success;
                }

                var results = await SearchAllAsync(searchers, text!, options, cancellationToken);
                if (parse.GetValue(json))
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(results.Select(ToJson), CliServices.Json));
                }
                else
                {
                    Render(results, multiRoot: searchers.Count > 1);
                }

                return ExitCodes.Success;
            }
            catch (IndexStoreException ex)
            {
                Console.Error.WriteLine($"engram: {ex.Message}");
                return ExitCodes.Failure;
            }
            finally
            {
                foreach (var searcher in searchers)
                {
                    searcher.Dispose();
                }
            }
        });
        return command;
    }

    private static async Task<List<SearchHit>> SearchAllAsync(List<EngramSearcher> searchers, string query, SearchOptions options, CancellationToken cancellationToken)
    {
        var all = new List<SearchHit>();
        foreach (var searcher in searchers)
        {
            all.AddRange(await searcher.SearchAsync(query, options, cancellationToken));
        }

        return all.OrderByDescending(h => h.Score).Take(options.Top).ToList();
    }

    private static object ToJson(SearchHit hit) => new
    {
        path = hit.Path,
        startLine = hit.StartLine,
        endLine = hit.EndLine,
        score = Math.Round(hit.Score, 6),
        symbol = hit.Symbol,
        kind = hit.Kind,
        container = hit.Container,
        snippet = hit.Snippet,
        indexedCommit = hit.IndexedCommit,
        stale = hit.Stale,
        root = hit.Root,
    };

    // Validates the whole file before any search so that a malformed line loses no output half-way.
    private static List<(JsonElement Id, string Query)>? ReadBatch(string file)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"engram: cannot read queries file '{file}': {ex.Message}");
            return null;
        }

        var result = new List<(JsonElement, string)>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(lines[i]);
                var rootElement = document.RootElement;
                if (rootElement.ValueKind != JsonValueKind.Object
                    || !rootElement.TryGetProperty("id", out var id)
                    || !rootElement.TryGetProperty("query", out var q)
                    || q.ValueKind != JsonValueKind.String
                    || string.IsNullOrWhiteSpace(q.GetString()))
                {
                    Console.Error.WriteLine($"engram: {file}:{i + 1}: expected an object with \"id\" and a non-empty string \"query\".");
                    return null;
                }

                result.Add((id.Clone(), q.GetString()!));
            }
            catch (JsonException ex)
            {
                Console.Error.WriteLine($"engram: {file}:{i + 1}: malformed JSON: {ex.Message}");
                return null;
            }
        }

        return result;
    }

    private static void Render(List<SearchHit> hits, bool multiRoot)
    {
        if (hits.Count == 0)
        {
            Console.Out.WriteLine("No results.");
            return;
        }

        if (Console.IsOutputRedirected)
        {
            foreach (var hit in hits)
            {
                var prefix = multiRoot ? hit.Root + ":" : "";
                Console.Out.WriteLine($"{hit.Score:0.000}  {prefix}{hit.Path}:{hit.StartLine}-{hit.EndLine}  {hit.Kind} {hit.Symbol}{(hit.Stale ? "  (stale)" : "")}");
            }

            return;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("Score", "Location", "Symbol", "Snippet");
        foreach (var hit in hits)
        {
            var location = $"{(multiRoot ? Path.GetFileName(hit.Root) + ":" : "")}{hit.Path}:{hit.StartLine}-{hit.EndLine}{(hit.Stale ? " (stale)" : "")}";
            var snippet = string.Join('\n', hit.Snippet.Split('\n').Take(4));
            table.AddRow(hit.Score.ToString("0.000"), Markup.Escape(location), Markup.Escape($"{hit.Kind} {hit.Symbol}"), Markup.Escape(snippet));
        }

        AnsiConsole.Write(table);
    }
}
