using Engram.Mcp.Hosting;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Prompts;

/// <summary>
/// The prompts: one per dialogue mode (<c>dialogue-{mode}</c>, argument <c>topic</c>), <c>research</c>
/// (<c>question</c>, <c>depth</c>) and <c>review</c> (<c>base</c>, <c>paths</c>). Mode prompts follow the mode files,
/// so they are listed by a handler rather than declared statically.
/// </summary>
public static class EngramPrompts
{
    /// <summary>Prefix of the dialogue-mode prompt names.</summary>
    public const string DialoguePrefix = "dialogue-";

    /// <summary>Handles <c>prompts/list</c>.</summary>
    public static ValueTask<ListPromptsResult> ListAsync(RequestContext<ListPromptsRequestParams> context, CancellationToken cancellationToken)
    {
        var services = Services(context.Server);
        services.TrackSession(context.Server);
        var prompts = new List<Prompt>
        {
            new()
            {
                Name = "research",
                Title = "Research the codebase",
                Description = "Answer a question about the codebase with cited code (research tool, then read_code to check).",
                Arguments =
                [
                    new PromptArgument { Name = "question", Description = "The question about the codebase.", Required = true },
                    new PromptArgument { Name = "depth", Description = "Sub-questions to plan, 1-5 (default 2).", Required = false },
                ],
            },
            new()
            {
                Name = "review",
                Title = "Review my changes",
                Description = "Review the uncommitted changes (review_changes), then explain and prioritise the findings.",
                Arguments =
                [
                    new PromptArgument { Name = "base", Description = "Base revision (default HEAD).", Required = false },
                    new PromptArgument { Name = "paths", Description = "Comma-separated workspace-relative files to restrict the review to.", Required = false },
                ],
            },
        };
        prompts.AddRange(services.Modes.List().Select(mode => new Prompt
        {
            Name = DialoguePrefix + mode.Name,
            Title = $"Dialogue: {mode.Name}",
            Description = mode.Description,
            Arguments = [new PromptArgument { Name = "topic", Description = "The topic, question or proposition.", Required = true }],
        }));
        return ValueTask.FromResult(new ListPromptsResult { Prompts = prompts });
    }

    /// <summary>Handles <c>prompts/get</c>.</summary>
    /// <exception cref="McpProtocolException">Unknown prompt or missing required argument (InvalidParams).</exception>
    public static ValueTask<GetPromptResult> GetAsync(RequestContext<GetPromptRequestParams> context, CancellationToken cancellationToken)
    {
        var services = Services(context.Server);
        var name = context.Params?.Name ?? "";
        var args = context.Params?.Arguments;
        string Arg(string key, bool required)
        {
            var value = args is not null && args.TryGetValue(key, out var element) ? element.ToString() : null;
            if (required && string.IsNullOrWhiteSpace(value))
            {
                throw new McpProtocolException($"Prompt '{name}' needs the argument '{key}'.", McpErrorCode.InvalidParams);
            }

            return value ?? "";
        }

        string text;
        string description;
        if (name == "research")
        {
            var question = Arg("question", required: true);
            var depth = Arg("depth", required: false);
            description = "Research the codebase with citations.";
            text = $"Research this question about the codebase: {question}\n\n" +
                $"Call the `research` tool with question set to it{(string.IsNullOrWhiteSpace(depth) ? "" : $" and depth {depth}")}. " +
                "Check the key citations with `read_code`, and answer citing every claim as path:start-end. " +
                "If the answer is extractive (no model), read the passages it lists and write the answer yourself.";
        }
        else if (name == "review")
        {
            var @base = Arg("base", required: false);
            var paths = Arg("paths", required: false);
            description = "Review the uncommitted changes.";
            text = "Review my uncommitted changes" + (string.IsNullOrWhiteSpace(@base) ? "" : $" against {@base}") +
                (string.IsNullOrWhiteSpace(paths) ? "" : $" in {paths}") + ".\n\n" +
                "Call the `review_changes` tool" + (string.IsNullOrWhiteSpace(@base) ? "" : $" with base \"{@base}\"") +
                (string.IsNullOrWhiteSpace(paths) ? "" : $" and paths [{string.Join(", ", paths.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p => $"\"{p}\""))}]") +
                ". For each finding, read the code with `read_code`, say whether you agree, and order them by severity.";
        }
        else if (name.StartsWith(DialoguePrefix, StringComparison.Ordinal) && services.Modes.Find(name[DialoguePrefix.Length..]) is { } mode)
        {
            var topic = Arg("topic", required: true);
            description = mode.Description;
            text = $"Run the '{mode.Name}' dialogue on: {topic}\n\n" +
                $"Call the `dialogue_run` tool with mode \"{mode.Name}\" and this topic, then read the transcript with `dialogue_get` " +
                "and summarise the outcome (its conclusion, the strongest points on each side, and open questions).";
        }
        else
        {
            throw new McpProtocolException($"Unknown prompt '{name}'.", McpErrorCode.InvalidParams);
        }

        return ValueTask.FromResult(new GetPromptResult
        {
            Description = description,
            Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = text } }],
        });
    }

    internal static EngramMcpServices Services(McpServer server) =>
        (EngramMcpServices?)server.Services?.GetService(typeof(EngramMcpServices))
        ?? throw new InvalidOperationException("EngramMcpServices is not registered.");
}
