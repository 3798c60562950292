using Engram.Models.Configuration;

namespace Engram.Models.Routing;

/// <summary>Ranks the models that can serve a task.</summary>
public static class CapabilityRouter
{
    /// <summary>
    /// The models having every capability the task's route requires, best first: models the route lists (its
    /// <c>preferred</c> names, then its <c>fallback</c> names, in order), then the rest by descending
    /// <see cref="ModelDefinition.Priority"/>, ascending cost (input + output per million), ascending
    /// <see cref="LatencyClass"/> and finally name (ordinal), so the order is deterministic. Listed models lacking a
    /// required capability are left out. Empty when no model qualifies.
    /// <para>
    /// Discovered models (<see cref="ModelDefinition.Discovered"/>) come after every configured one, so
    /// <c>engram.json</c> wins where it serves a task; among them, for the code tasks (completion, inline,
    /// code-action, review) code models (with <c>fim</c> or <c>code</c>) come first. For <c>inline</c>, a discovered
    /// model without FIM tokens still qualifies, after those with them: the local provider then completes the prefix.
    /// </para>
    /// </summary>
    public static IReadOnlyList<ModelDefinition> Rank(EngramConfig config, ModelTask task)
    {
        ArgumentNullException.ThrowIfNull(config);
        var route = config.GetRoute(task);
        var listed = route.Preferred.Concat(route.Fallback).Distinct(StringComparer.Ordinal).ToList();
        var codeTask = task is ModelTask.Completion or ModelTask.Inline or ModelTask.CodeAction or ModelTask.Review;
        return config.Models
            .Where(m => m.HasAll(route.Capabilities) || IsPrefixOnlyInline(m, task, route))
            .OrderBy(m => listed.IndexOf(m.Name) is var i && i >= 0 ? i : int.MaxValue)
            .ThenBy(m => m.Discovered)
            .ThenBy(m => m.Discovered && !m.HasAll(route.Capabilities))
            .ThenBy(m => m.Discovered && codeTask && !m.Capabilities.Contains(ModelCapability.Fim) && !m.Capabilities.Contains(ModelCapability.Code))
            .ThenByDescending(m => m.Priority)
            .ThenBy(m => m.CostPerMillionInput + m.CostPerMillionOutput)
            .ThenBy(m => m.LatencyClass)
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// True for a discovered local model without FIM tokens asked to serve <c>inline</c> with the default route: it
    /// continues the prefix instead (see <see cref="Providers.LocalGguf.FimPrompt"/>).
    /// </summary>
    public static bool IsPrefixOnlyInline(ModelDefinition model, ModelTask task, RouteDefinition route) =>
        model.Discovered
        && task == ModelTask.Inline
        && model.Provider == ModelProvider.LocalGguf
        && route.Capabilities.SequenceEqual([ModelCapability.Fim])
        && model.Capabilities.Contains(ModelCapability.Completion);
}
