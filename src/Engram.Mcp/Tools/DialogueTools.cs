using System.ComponentModel;
using Engram.Features.Dialogue;
using Engram.Mcp.Hosting;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Tools;

/// <summary>Multi-model dialogues: <c>dialogue_run</c>, <c>dialogue_resume</c>, <c>dialogue_list</c>, <c>dialogue_get</c>.</summary>
[McpServerToolType]
public static class DialogueTools
{
    /// <summary><c>dialogue_run</c>.</summary>
    [McpServerTool(Name = "dialogue_run", OpenWorld = false, Title = "Run a dialogue")]
    [Description("Runs a multi-model dialogue in one of the modes (debate, critique, loop, panel, detective, code-review-panel, research, or a custom one from modes/*.json; the prompts list shows them) on a topic, to its end. Each turn is saved, so a dialogue cut short can be continued with dialogue_resume. Returns id, status (completed, converged, costLimited, failed, running), turns and cost; read the transcript with dialogue_get. Sends a progress notification per turn.")]
    public static Task<CallToolResult> DialogueRun(
        EngramMcpServices services,
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("Mode name, e.g. debate or critique.")] string mode,
        [Description("The topic, question or proposition.")] string topic,
        [Description("Configured model names to use as participants, in turn order (default: capability routing).")] string[]? models = null,
        [Description("Cost limit in USD for the whole dialogue (default: the configured budgets only).")] double? max_cost = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("dialogue_run", async () =>
        {
            if (max_cost is < 0)
            {
                return ToolResults.Error("dialogue_run: max_cost must be >= 0.");
            }

            var options = new DialogueOptions(models is { Length: > 0 } ? models : null, max_cost is null ? null : (decimal)max_cost.Value);
            var progress = new ToolProgress(server, context);
            // The prompts list reads modes/ live; re-read them here too so a mode added while serving can run.
            // A dialogue may outlast the configuration reload grace period: pin its generation until it ends.
            using var lease = services.AcquireModels();
            var dialogues = services.DialoguesFor(lease?.Models ?? services.Models);
            dialogues.ReloadModes();
            var summary = await dialogues.RunAsync(mode, topic, options, Lines(progress), cancellationToken).ConfigureAwait(false);
            await progress.FlushAsync().ConfigureAwait(false);
            return ToolResults.Ok(Summary(summary));
        });

    /// <summary><c>dialogue_resume</c>.</summary>
    [McpServerTool(Name = "dialogue_resume", OpenWorld = false, Title = "Resume a dialogue")]
    [Description("Continues a stored dialogue from its last completed turn (after a crash, a cancellation or a cost limit). Returns the updated summary.")]
    public static Task<CallToolResult> DialogueResume(
        EngramMcpServices services,
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("Dialogue id from dialogue_run or dialogue_list.")] string id,
        CancellationToken cancellationToken = default) =>
        ToolResults.RunAsync("dialogue_resume", async () =>
        {
            var progress = new ToolProgress(server, context);
            using var lease = services.AcquireModels();
            var summary = await services.DialoguesFor(lease?.Models ?? services.Models).ResumeAsync(id, Lines(progress), cancellationToken).ConfigureAwait(false);
            await progress.FlushAsync().ConfigureAwait(false);
            return ToolResults.Ok(Summary(summary));
        });

    /// <summary><c>dialogue_list</c>.</summary>
    [McpServerTool(Name = "dialogue_list", ReadOnly = true, Idempotent = true, OpenWorld = false, Title = "List dialogues")]
    [Description("Lists the stored dialogues, newest first: id, mode, topic, status, turns, cost (USD) and creation time.")]
    public static Task<CallToolResult> DialogueList(EngramMcpServices services) =>
        ToolResults.RunAsync("dialogue_list", () =>
            Task.FromResult(ToolResults.Ok(new { dialogues = services.Dialogues.List().Select(Summary).ToList() })));

    /// <summary><c>dialogue_get</c>.</summary>
    [McpServerTool(Name = "dialogue_get", ReadOnly = true, Idempotent = true, OpenWorld = false, Title = "Get a dialogue transcript")]
    [Description("Returns the transcript of a stored dialogue as Markdown (default) or JSON.")]
    public static Task<CallToolResult> DialogueGet(
        EngramMcpServices services,
        [Description("Dialogue id.")] string id,
        [Description("markdown (default) or json.")] string format = "markdown") =>
        ToolResults.RunAsync("dialogue_get", () =>
        {
            if (format is not ("markdown" or "json"))
            {
                return Task.FromResult(ToolResults.Error($"dialogue_get: unknown format '{format}'; use markdown or json."));
            }

            return Task.FromResult(ToolResults.Text(services.Dialogues.Export(id, format)));
        });

    private static object Summary(DialogueSummary s) => new
    {
        id = s.Id,
        mode = s.Mode,
        topic = s.Topic,
        status = s.Status,
        turns = s.Turns,
        cost = s.Cost,
        created = s.Created,
    };

    private static IProgress<string> Lines(IProgress<ProgressNotificationValue> progress)
    {
        var step = 0;
        return new LineProgress(line => progress.Report(new ProgressNotificationValue { Progress = Interlocked.Increment(ref step), Message = line }));
    }
}
