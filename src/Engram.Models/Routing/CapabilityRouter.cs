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
    /// </summary>
    public static IReadOnlyList<ModelDefinition> Rank(EngramConfig config, ModelTask task)
    {
        ArgumentNullException.ThrowIfNull(config);
        var route = config.GetRoute(task);
        var listed = route.Preferred.Concat(route.Fallback).Distinct(StringComparer.Ordinal).ToList();
        return config.Models
            .Where(m => m.HasAll(route.Capabilities))
            .OrderBy(m => listed.IndexOf(m.Name) is var i && i >= 0 ? i : int.MaxValue)
            .ThenByDescending(m => m.Priority)
            .ThenBy(m => m.CostPerMillionInput + m.CostPerMillionOutput)
            .ThenBy(m => m.LatencyClass)
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
    }
}
