using System.ComponentModel;
using Engram.Core.Search;
using Engram.Files;
using Engram.Mcp.Hosting;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Tools;

/// <summary>Read-only tools over the workspace memory: <c>search_code</c>, <c>read_code</c>, <c>related</c>.</summary>
[McpServerToolType]
public static class CodeTools
{
    /// <summary>Most lines <c>read_code</c> returns in one call.</summary>
    public const int MaxReadLines = 2000;

    /// <summary>Largest file <c>read_code</c> reads, in bytes.</summary>
    public const long MaxFileBytes = 8 * 1024 * 1024;

    /// <summary><c>search_code</c>: hybrid engram search over every root.</summary>
    [McpServerTool(Name = "search_code", ReadOnly = true, Idempotent = true, OpenWorld = false, Title = "Search code")]
    [Description("Searches the workspace's engram index (hypervector candidates re-ranked by embeddings and BM25) with a natural-language or identifier query. Returns hits best first: path (relative to its root, forward slashes), root, startLine/endLine (1-based inclusive), symbol, kind, score in [0,1], snippet (first lines of the chunk), indexedCommit and stale (true when the file changed since it was indexed: re-read it with read_code). If nothing is indexed yet, call index_update.")]
    public static Task<CallToolResult> SearchCode(
        EngramMcpServices services,
        McpServer server,
        [Description("What to look for: a question in plain words (\"where are bundles updated\") or identifiers (\"UpdateIndexAsync\").")] string query,
        [Description("Maximum number of hits, 1-100 (default 10).")] int top = 10,
        [Description("Only files whose workspace-relative path matches this glob, e.g. \"src/**/*.cs\" or \"*.md\" (a glob without '/' matches the file name anywhere).")] string? path_glob = null,
        [Description("Only chunks of these kinds, comma-separated: method, constructor, property, field, type, enum, section, block, function, class ...")] string? kind = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("search_code", async () =>
        {
            await services.EnsureClientRootsAsync(server, cancellationToken).ConfigureAwait(false);
            if (top is < 1 or > 100)
            {
                return ToolResults.Error("search_code: top must be between 1 and 100.");
            }

            var kinds = string.IsNullOrWhiteSpace(kind)
                ? null
                : kind.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            var glob = string.IsNullOrWhiteSpace(path_glob) ? null : Glob.ToRegex(path_glob);
            var prefix = glob is null ? null : Glob.LiteralPrefix(path_glob!);
            // A glob filters after ranking, so ask for more hits than wanted.
            var options = new SearchOptions(glob is null ? top : Math.Min(1000, top * 20), Kinds: kinds, PathPrefix: prefix);
            var hits = await services.Workspace.SearchAsync(query, options, cancellationToken).ConfigureAwait(false);
            var selected = hits.Where(h => glob is null || glob.IsMatch(h.Path)).Take(top).ToList();
            var status = services.Workspace.GetStatus();
            string? message = null;
            if (!status.Any(s => s.Indexed))
            {
                message = services.Workspace.IsUpdating
                    ? "The index is being built; search again in a moment (index_status shows progress)."
                    : "No root is indexed yet: call index_update, then search again.";
            }

            return ToolResults.Ok(new
            {
                query,
                hits = selected.Select(ToJson).ToList(),
                message,
            });
        });

    /// <summary><c>read_code</c>: the exact text of a line range of a workspace file.</summary>
    [McpServerTool(Name = "read_code", ReadOnly = true, Idempotent = true, OpenWorld = false, Title = "Read code")]
    [Description("Returns the exact text of lines start_line..end_line (1-based, inclusive) of a file inside the workspace, as it is on disk now. end_line past the end of the file is clamped (the result says which lines were returned). At most 2000 lines per call. Paths are relative to a workspace root (as search_code returns them) or absolute inside one; '..', .git internals and symbolic links leaving the workspace are refused.")]
    public static Task<CallToolResult> ReadCode(
        EngramMcpServices services,
        McpServer server,
        [Description("File path relative to a workspace root (forward slashes), or absolute inside a root.")] string path,
        [Description("First line, 1-based.")] int start_line,
        [Description("Last line, 1-based inclusive (>= start_line).")] int end_line,
        CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("read_code", async () =>
        {
            await services.EnsureClientRootsAsync(server, cancellationToken).ConfigureAwait(false);
            var file = services.Guard.ResolveFile(path);
            if (start_line < 1 || end_line < start_line)
            {
                return ToolResults.Error($"read_code: invalid range {start_line}-{end_line}: lines are 1-based and end_line must be >= start_line.");
            }

            if (end_line - start_line + 1 > MaxReadLines)
            {
                return ToolResults.Error($"read_code: at most {MaxReadLines} lines per call (asked for {end_line - start_line + 1}); read the range in parts.");
            }

            // Checked again on the opened handle: a symbolic link swapped in after Resolve is refused, never followed.
            var text = await WorkspaceFile.ReadAllTextAsync(file.FullPath, file.Root, MaxFileBytes, cancellationToken).ConfigureAwait(false);
            if (text.Contains('\0', StringComparison.Ordinal))
            {
                return ToolResults.Error($"read_code: '{file.RelativePath}' is a binary file.");
            }

            var lines = SplitLines(text);
            if (start_line > lines.Count)
            {
                return ToolResults.Error($"read_code: '{file.RelativePath}' has {lines.Count} lines; start_line {start_line} is past the end.");
            }

            var end = Math.Min(end_line, lines.Count);
            var slice = string.Concat(lines.Skip(start_line - 1).Take(end - start_line + 1));
            return ToolResults.Ok(new
            {
                path = file.RelativePath,
                root = file.Root,
                startLine = start_line,
                endLine = end,
                totalLines = lines.Count,
                text = slice,
            });
        });

    /// <summary><c>related</c>: the engram neighbours of the chunk at a line.</summary>
    [McpServerTool(Name = "related", ReadOnly = true, Idempotent = true, OpenWorld = false, Title = "Related code")]
    [Description("Finds code related to the chunk (member, section or block) covering a line: the engram neighbours in other files and elsewhere in the same file, best first, with path, line range, symbol, score and snippet. The file must be indexed.")]
    public static Task<CallToolResult> Related(
        EngramMcpServices services,
        McpServer server,
        [Description("File path relative to a workspace root, or absolute inside one.")] string path,
        [Description("A 1-based line inside the chunk of interest.")] int line,
        [Description("Maximum number of neighbours, 1-50 (default 10).")] int top = 10,
        CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("related", async () =>
        {
            await services.EnsureClientRootsAsync(server, cancellationToken).ConfigureAwait(false);
            var file = services.Guard.ResolveFile(path);
            if (line < 1)
            {
                return ToolResults.Error("related: line is 1-based.");
            }

            if (top is < 1 or > 50)
            {
                return ToolResults.Error("related: top must be between 1 and 50.");
            }

            var hits = await services.Workspace.RelatedAsync(file.FullPath, line, top, cancellationToken).ConfigureAwait(false);
            return ToolResults.Ok(new
            {
                path = file.RelativePath,
                line,
                hits = hits.Select(ToJson).ToList(),
                message = hits.Count == 0 ? "No neighbours: the file may not be indexed yet (call index_update)." : null,
            });
        });

    internal static object ToJson(SearchHit hit) => new
    {
        path = hit.Path,
        root = hit.Root,
        startLine = hit.StartLine,
        endLine = hit.EndLine,
        symbol = hit.Symbol,
        kind = hit.Kind,
        container = hit.Container,
        score = Math.Round(hit.Score, 4),
        snippet = hit.Snippet,
        indexedCommit = hit.IndexedCommit,
        stale = hit.Stale,
    };

    /// <summary>Lines with their terminators kept, so that concatenating a range gives the file's exact text.</summary>
    internal static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }

        return lines;
    }
}
