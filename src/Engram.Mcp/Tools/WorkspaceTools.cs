using System.ComponentModel;
using System.Globalization;
using Engram.Core.Indexing;
using Engram.Mcp.Hosting;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Tools;

/// <summary>The index and the models: <c>index_status</c>, <c>index_update</c>, <c>models_status</c>, <c>usage</c>.</summary>
[McpServerToolType]
public static class WorkspaceTools
{
    /// <summary><c>index_status</c>.</summary>
    [McpServerTool(Name = "index_status", ReadOnly = true, Idempotent = true, OpenWorld = false, Title = "Index status")]
    [Description("Reports the engram index of every workspace root: whether it is built, chunk count, indexed git commit, last update time, whether an update is running, and any error (corrupt or foreign database).")]
    public static Task<CallToolResult> IndexStatus(EngramMcpServices services, McpServer server, CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("index_status", async () =>
        {
            await services.EnsureClientRootsAsync(server, cancellationToken).ConfigureAwait(false);
            return ToolResults.Ok(StatusJson(services));
        });

    /// <summary><c>index_update</c>.</summary>
    [McpServerTool(Name = "index_update", Idempotent = true, OpenWorld = false, Title = "Update the index")]
    [Description("Brings the engram index of every root up to date (incremental: only files changed since the last update are re-read) and returns per root: files, chunks, files updated/deleted and seconds. Sends progress notifications (files done of total). Cancelling keeps the batches already committed. The working tree is never written; indexes live in the user's cache folder.")]
    public static Task<CallToolResult> IndexUpdate(
        EngramMcpServices services,
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("index_update", async () =>
        {
            await services.EnsureClientRootsAsync(server, cancellationToken).ConfigureAwait(false);
            var progress = new ToolProgress(server, context);
            var last = DateTime.MinValue;
            var reporter = new IndexProgressReporter(p =>
            {
                // At most ~10 notifications a second, but always the last of a phase.
                var now = DateTime.UtcNow;
                if (p.Done == p.Total || p.Done == 0 || now - last > TimeSpan.FromMilliseconds(100))
                {
                    last = now;
                    progress.Report(new ProgressNotificationValue { Progress = p.Done, Total = p.Total, Message = $"{p.Phase}: {p.Done}/{p.Total} files" });
                }
            });
            var reports = await services.Workspace.UpdateIndexAsync(reporter, cancellationToken).ConfigureAwait(false);
            await progress.FlushAsync().ConfigureAwait(false);
            return ToolResults.Ok(new
            {
                roots = reports.Select(r => new
                {
                    root = r.Root,
                    mode = r.Mode,
                    indexedCommit = r.IndexedCommit,
                    files = r.Files,
                    chunks = r.Chunks,
                    filesUpdated = r.FilesUpdated,
                    filesDeleted = r.FilesDeleted,
                    seconds = Math.Round(r.Elapsed.TotalSeconds, 3),
                }).ToList(),
            });
        });

    /// <summary><c>models_status</c>.</summary>
    [McpServerTool(Name = "models_status", ReadOnly = true, Idempotent = true, OpenWorld = false, Title = "Models status")]
    [Description("Lists the configured models (name, provider, capabilities, whether the API key variable is set — never the key) and, per task (completion, inline, code-action, review, docs, research, dialogue), the candidate models best first. configError names the file, line and JSON path when the latest edit of engram.json is invalid (the previous configuration stays in force). workspaceTrust says whether the workspace's .engram/engram.json was honoured in full (a trusted folder) or only narrowed the user's configuration, what was ignored, and the command that trusts the folder. Says how to configure a model when none is.")]
    public static Task<CallToolResult> ModelsStatus(EngramMcpServices services, McpServer server) =>
        ToolResults.RunAsync("models_status", () =>
        {
            services.TrackSession(server);
            if (services.Models is not { } models)
            {
                return Task.FromResult(ToolResults.Error("models_status: the model configuration could not be loaded (see the server's stderr); fix .engram/engram.json or ~/.config/engram/engram.json."));
            }

            var config = models.Config;
            return Task.FromResult(ToolResults.Ok(new
            {
                configFiles = config.Sources,
                // Set when the latest edit of a configuration file is invalid; the configuration shown is the previous valid one.
                configError = services.ConfigError,
                // Whether the workspace's .engram/engram.json was honoured in full; untrusted, it only narrows the user's configuration.
                workspaceTrust = models.Trust is { } trust
                    ? new
                    {
                        folder = trust.Folder,
                        trusted = trust.Trusted,
                        trustedFolder = trust.TrustedFolder,
                        ignored = trust.Ignored,
                        trustCommand = trust.Trusted ? null : trust.TrustCommand,
                    }
                    : null,
                models = config.Models.Select(m => new
                {
                    name = m.Name,
                    provider = ConfigNames.ToJsonName(m.Provider),
                    capabilities = m.Capabilities.Select(ConfigNames.ToJsonName).ToList(),
                    endpoint = m.Endpoint?.ToString(),
                    path = m.Path,
                    apiKeyEnv = m.ApiKeyEnv,
                    keySet = m.ApiKeyEnv is null ? (bool?)null : !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(m.ApiKeyEnv)),
                }).ToList(),
                routes = Enum.GetValues<ModelTask>().Select(task => new
                {
                    task = ConfigNames.ToJsonName(task),
                    candidates = CapabilityRouter.Rank(config, task).Select(m => m.Name).ToList(),
                }).ToList(),
                message = config.Models.Count == 0
                    ? "No models configured. Add one to ~/.config/engram/engram.json (a workspace's .engram/engram.json adds models only once the folder is trusted: engram trust PATH), or run 'engram models pull' to download a local GGUF model."
                    : null,
            }));
        });

    /// <summary><c>usage</c>.</summary>
    [McpServerTool(Name = "usage", ReadOnly = true, Idempotent = true, OpenWorld = false, Title = "Model usage and cost")]
    [Description("Summarises recorded model calls by UTC day, model and task: calls, input/output tokens, cost in USD, failures; with totals. Prompts and keys are never recorded.")]
    public static Task<CallToolResult> Usage(
        EngramMcpServices services,
        [Description("First UTC day to include, YYYY-MM-DD (default: everything recorded).")] string? since = null) =>
        ToolResults.RunAsync("usage", () =>
        {
            DateOnly? from = null;
            if (!string.IsNullOrWhiteSpace(since))
            {
                if (!DateOnly.TryParseExact(since, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                {
                    return Task.FromResult(ToolResults.Error($"usage: since takes a date as YYYY-MM-DD; found '{since}'."));
                }

                from = day;
            }

            if (services.Models is not { } models)
            {
                return Task.FromResult(ToolResults.Error("usage: the model configuration could not be loaded (see the server's stderr)."));
            }

            var rows = models.Ledger.GetEntries()
                .Where(e => from is null || DateOnly.FromDateTime(e.TimestampUtc.UtcDateTime) >= from)
                .GroupBy(e => (Day: DateOnly.FromDateTime(e.TimestampUtc.UtcDateTime), e.Model, e.Task))
                .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Model, StringComparer.Ordinal).ThenBy(g => g.Key.Task)
                .Select(g => new
                {
                    day = g.Key.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    model = g.Key.Model,
                    task = ConfigNames.ToJsonName(g.Key.Task),
                    calls = g.Count(),
                    inputTokens = g.Sum(e => e.InputTokens),
                    outputTokens = g.Sum(e => e.OutputTokens),
                    costUsd = g.Sum(e => e.CostUsd),
                    failures = g.Count(e => e.Outcome == UsageOutcome.Failed),
                })
                .ToList();
            return Task.FromResult(ToolResults.Ok(new
            {
                since = from?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                rows,
                total = new
                {
                    calls = rows.Sum(r => r.calls),
                    inputTokens = rows.Sum(r => r.inputTokens),
                    outputTokens = rows.Sum(r => r.outputTokens),
                    costUsd = rows.Sum(r => r.costUsd),
                    failures = rows.Sum(r => r.failures),
                },
            }));
        });

    /// <summary>The <c>index_status</c> object (also the <c>engram://index/status</c> resource).</summary>
    internal static object StatusJson(EngramMcpServices services) => new
    {
        updating = services.Workspace.IsUpdating,
        roots = services.Workspace.GetStatus().Select(s => new
        {
            root = s.Root,
            indexed = s.Indexed,
            chunks = s.Chunks,
            indexedCommit = s.IndexedCommit,
            lastUpdate = s.LastUpdate,
            updating = s.Updating,
            error = s.Error,
            database = s.DatabasePath,
        }).ToList(),
    };

    private sealed class IndexProgressReporter(Action<IndexProgress> report) : IProgress<IndexProgress>
    {
        public void Report(IndexProgress value) => report(value);
    }
}
