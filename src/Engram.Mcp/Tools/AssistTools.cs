using System.ComponentModel;
using Engram.Files;
using Engram.Mcp.Hosting;
using Engram.Models.Configuration;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Tools;

/// <summary>Model-backed tools: <c>research</c>, <c>review_changes</c>, <c>explain</c>, <c>generate_docs</c>.</summary>
[McpServerToolType]
public static class AssistTools
{
    /// <summary><c>research</c>: a cited multi-step answer over the workspace.</summary>
    [McpServerTool(Name = "research", ReadOnly = true, OpenWorld = false, Title = "Research the codebase")]
    [Description("Answers a question about the codebase in several steps: plans sub-questions, retrieves engram chunks for each, reads them and writes a Markdown answer in which every claim cites path:start-end; every citation is checked against the files (invalid ones are dropped). Returns answer, citations, steps and model usage. Without a configured research model it returns an extractive answer (ranked passages with citations) and says so. Sends progress notifications per step.")]
    public static Task<CallToolResult> Research(
        EngramMcpServices services,
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("The question about the codebase.")] string question,
        [Description("How many sub-questions to plan, 1-5 (default 2). More is slower and costs more model calls.")] int depth = 2,
        CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("research", async () =>
        {
            await services.EnsureClientRootsAsync(server, cancellationToken).ConfigureAwait(false);
            var client = services.TryGetChatClient(ModelTask.Research);
            var progress = new ToolProgress(server, context);
            var step = 0;
            var lines = new LineProgress(line => progress.Report(new ProgressNotificationValue { Progress = ++step, Message = line }));
            var result = await services.Research.ResearchAsync(question, depth, client, lines, cancellationToken).ConfigureAwait(false);
            await progress.FlushAsync().ConfigureAwait(false);
            return ToolResults.Ok(new
            {
                answer = result.Answer,
                extractive = result.Extractive,
                citations = result.Citations.Select(c => new { path = c.Path, startLine = c.StartLine, endLine = c.EndLine, root = c.Root }).ToList(),
                steps = result.Steps.Select(s => new { kind = s.Kind, detail = s.Detail, ms = Math.Round(s.Elapsed.TotalMilliseconds, 1) }).ToList(),
                usage = new { modelCalls = result.ModelCalls, inputTokens = result.InputTokens, outputTokens = result.OutputTokens, models = result.Models },
            });
        });

    /// <summary><c>review_changes</c>: AI review of the working tree's changes.</summary>
    [McpServerTool(Name = "review_changes", ReadOnly = true, OpenWorld = false, Title = "Review changes")]
    [Description("Reviews the uncommitted changes of the workspace's git repository (staged, unstaged and untracked files) against HEAD or a base revision with the configured review model. Returns findings (path, startLine/endLine 1-based inclusive, severity, code, message, suggestedFix) limited to the changed lines. Needs a model with the review capability.")]
    public static Task<CallToolResult> ReviewChanges(
        EngramMcpServices services,
        McpServer server,
        [Description("Base revision to diff against (branch, tag or commit); default HEAD.")] string? @base = null,
        [Description("Only these files (paths relative to the root); default: every changed file.")] string[]? paths = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("review_changes", async () =>
        {
            await services.EnsureClientRootsAsync(server, cancellationToken).ConfigureAwait(false);
            var guarded = (paths ?? []).Select(p => services.Guard.Resolve(p, mustExist: false)).ToList();
            var roots = guarded.Select(g => g.Root).Distinct().ToList();
            if (roots.Count > 1)
            {
                return ToolResults.Error("review_changes: the paths belong to several roots; review one root at a time.");
            }

            var root = roots.FirstOrDefault() ?? services.Workspace.Roots.FirstOrDefault()
                ?? throw new ArgumentException("The server has no workspace root.");
            var client = services.GetChatClient(ModelTask.Review);
            var result = await services.Review.ReviewChangesAsync(root, @base, guarded.Count == 0 ? null : guarded.Select(g => g.RelativePath).ToList(), client, cancellationToken).ConfigureAwait(false);
            return ToolResults.Ok(new
            {
                root,
                reviewedPaths = result.ReviewedPaths,
                findings = result.Findings,
                model = result.Model,
                dropped = result.Dropped,
            });
        });

    /// <summary><c>explain</c>: an explanation of the code at a line.</summary>
    [McpServerTool(Name = "explain", ReadOnly = true, OpenWorld = false, Title = "Explain code")]
    [Description("Explains the code at a line of a workspace file (or the range line..end_line) with the configured code-action model, using related engram chunks from other files as context. Returns Markdown with a list of related code locations. Needs a model.")]
    public static Task<CallToolResult> Explain(
        EngramMcpServices services,
        McpServer server,
        [Description("File path relative to a workspace root, or absolute inside one.")] string path,
        [Description("1-based line to explain (the start of the range).")] int line,
        [Description("1-based inclusive end of the range (default: line).")] int? end_line = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("explain", async () =>
        {
            await services.EnsureClientRootsAsync(server, cancellationToken).ConfigureAwait(false);
            var file = services.Guard.ResolveFile(path);
            var end = end_line ?? line;
            var text = await WorkspaceFile.ReadAllTextAsync(file.FullPath, file.Root, WorkspaceFile.DefaultMaxBytes, cancellationToken).ConfigureAwait(false);
            var count = CodeTools.SplitLines(text).Count;
            if (line < 1 || end < line || line > count)
            {
                return ToolResults.Error($"explain: invalid range {line}-{end}; '{file.RelativePath}' has {count} lines (1-based).");
            }

            var client = services.GetChatClient(ModelTask.CodeAction);
            var result = await services.Explain.ExplainAsync(file.FullPath, text, line, Math.Min(end, count), client, cancellationToken).ConfigureAwait(false);
            return ToolResults.Ok(new
            {
                path = file.RelativePath,
                markdown = result.Markdown,
                related = result.Related.Select(CodeTools.ToJson).ToList(),
                model = result.Model,
            });
        });

    /// <summary><c>generate_docs</c>: a proposed documentation comment for the declaration at a line.</summary>
    [McpServerTool(Name = "generate_docs", ReadOnly = true, OpenWorld = false, Title = "Generate documentation comment")]
    [Description("Proposes a documentation comment (C# XML doc, JSDoc, Python docstring, rustdoc, Go comment) for the declaration at a line of a workspace file. Does not write the file: returns the edit (insert text before insertLine, 1-based) for you to apply. The docs model writes the prose; without one you get the skeleton (usedModel: false) to fill in.")]
    public static Task<CallToolResult> GenerateDocs(
        EngramMcpServices services,
        McpServer server,
        [Description("File path relative to a workspace root, or absolute inside one.")] string path,
        [Description("1-based line on or inside the declaration to document.")] int line,
        CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("generate_docs", async () =>
        {
            await services.EnsureClientRootsAsync(server, cancellationToken).ConfigureAwait(false);
            var file = services.Guard.ResolveFile(path);
            if (line < 1)
            {
                return ToolResults.Error("generate_docs: line is 1-based.");
            }

            var client = services.TryGetChatClient(ModelTask.Docs);
            var text = await WorkspaceFile.ReadAllTextAsync(file.FullPath, file.Root, WorkspaceFile.DefaultMaxBytes, cancellationToken).ConfigureAwait(false);
            var result = await services.Docs.GenerateAsync(file.FullPath, text, line - 1, 0, null, client, cancellationToken).ConfigureAwait(false);
            if (result is null)
            {
                return ToolResults.Error($"generate_docs: no undocumented declaration at {file.RelativePath}:{line}.");
            }

            return ToolResults.Ok(new
            {
                path = file.RelativePath,
                edit = new { insertLine = result.Comment.InsertLine + 1, text = result.Comment.Text },
                convention = result.Comment.Convention,
                symbol = result.Comment.Symbol,
                usedModel = result.UsedModel,
                model = result.Model,
            });
        });
}
