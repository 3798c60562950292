using System.Globalization;

namespace Engram.Models.Configuration;

/// <summary>
/// The merge rules for an untrusted workspace: its <c>engram.json</c> may narrow what the user configured, never
/// widen it. Used by <see cref="EngramConfigLoader.LoadLayered(string?, string?, WorkspaceTrustContext?)"/>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>the workspace asks for</term><description>result</description></listheader>
/// <item><term>a model name the user has not configured</term><description>ignored (reported)</description></item>
/// <item><term>a user model with another provider, endpoint, path or <c>apiKeyEnv</c></term><description>ignored: the user's model stays (reported)</description></item>
/// <item><term>a user model with fewer capabilities</term><description>honoured; capabilities it adds are ignored (reported)</description></item>
/// <item><term>a user model's costs raised / context window lowered</term><description>honoured; lowered costs or a raised window are not (reported)</description></item>
/// <item><term>a user model's <c>priority</c> or <c>latencyClass</c></term><description>honoured (an order among the user's models)</description></item>
/// <item><term>a route's preferred/fallback names</term><description>user models honoured, other names dropped (reported)</description></item>
/// <item><term>a route's capabilities</term><description>more honoured; those the user's route (or the task's default) requires are kept (reported when dropped)</description></item>
/// <item><term>a budget cap</term><description>honoured when it lowers the user's (or sets one where the user has none); a raised cap keeps the user's (reported)</description></item>
/// </list>
/// Pure functions of their arguments; thread-safe.
/// </remarks>
internal static class WorkspaceLayering
{
    /// <summary>
    /// Merges <paramref name="workspace"/> over <paramref name="user"/> under the rules above. Returns the merged
    /// configuration and what was ignored, each entry starting with the workspace file's JSON path.
    /// </summary>
    public static (EngramConfig Config, IReadOnlyList<string> Ignored) Restrict(EngramConfig user, EngramConfig workspace)
    {
        var ignored = new List<string>();
        var models = user.Models.ToList();
        for (var i = 0; i < workspace.Models.Count; i++)
        {
            var asked = workspace.Models[i];
            var path = $"$.models[{i.ToString(CultureInfo.InvariantCulture)}] \"{asked.Name}\"";
            var index = models.FindIndex(m => string.Equals(m.Name, asked.Name, StringComparison.Ordinal));
            if (index < 0)
            {
                ignored.Add($"{path}: a model you have not configured ({Describe(asked)})");
                continue;
            }

            var (narrowed, notes) = Narrow(user.Models[index], asked);
            models[index] = narrowed;
            ignored.AddRange(notes.Select(note => $"{path}: {note}"));
        }

        var names = models.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var routes = new Dictionary<ModelTask, RouteDefinition>(user.Routes);
        foreach (var (task, asked) in workspace.Routes)
        {
            var path = EngramConfigLoader.AppendProperty("$.routes", ConfigNames.ToJsonName(task));
            var own = user.GetRoute(task);
            var dropped = own.Capabilities.Where(c => !asked.Capabilities.Contains(c)).ToList();
            if (dropped.Count > 0)
            {
                ignored.Add($"{path}.capabilities: leaves out {string.Join(", ", dropped.Select(ConfigNames.ToJsonName))}, which your route for {ConfigNames.ToJsonName(task)} requires");
            }

            routes[task] = new RouteDefinition
            {
                Capabilities = [.. asked.Capabilities, .. dropped],
                Preferred = KnownNames(asked.Preferred, names, path + ".preferred", ignored),
                Fallback = KnownNames(asked.Fallback, names, path + ".fallback", ignored),
            };
        }

        var budgets = new BudgetDefinition
        {
            DailyUsd = LowerCap(user.Budgets.DailyUsd, workspace.Budgets.DailyUsd, "$.budgets.dailyUsd", ignored),
            PerRequestUsd = LowerCap(user.Budgets.PerRequestUsd, workspace.Budgets.PerRequestUsd, "$.budgets.perRequestUsd", ignored),
        };
        var config = new EngramConfig
        {
            Models = models,
            Routes = routes,
            Budgets = budgets,
            Sources = [.. user.Sources, .. workspace.Sources],
            TrustedFolders = user.TrustedFolders,
        };
        return (config, ignored);
    }

    /// <summary>The user's model narrowed by what the workspace asked for, and the notes on what was not honoured.</summary>
    private static (ModelDefinition Model, List<string> Notes) Narrow(ModelDefinition own, ModelDefinition asked)
    {
        var notes = new List<string>();
        var changed = new List<string>();
        if (own.Provider != asked.Provider)
        {
            changed.Add($"provider {ConfigNames.ToJsonName(asked.Provider)}");
        }

        if (own.Endpoint != asked.Endpoint)
        {
            changed.Add(asked.Endpoint is null ? "the provider's default endpoint" : $"endpoint {asked.Endpoint}");
        }

        if (!string.Equals(own.Path, asked.Path, StringComparison.Ordinal))
        {
            changed.Add(asked.Path is null ? "no path" : $"path {asked.Path}");
        }

        if (!string.Equals(own.ApiKeyEnv, asked.ApiKeyEnv, StringComparison.Ordinal))
        {
            changed.Add(asked.ApiKeyEnv is null ? "no key variable" : $"the key in ${asked.ApiKeyEnv}");
        }

        if (changed.Count > 0)
        {
            notes.Add($"would make your model use {string.Join(", ", changed)}; your model is kept as you configured it");
            return (own, notes);
        }

        var added = asked.Capabilities.Where(c => !own.Capabilities.Contains(c)).ToList();
        if (added.Count > 0)
        {
            notes.Add($"adds capabilities your model does not have ({string.Join(", ", added.Select(ConfigNames.ToJsonName))})");
        }

        var input = Math.Max(own.CostPerMillionInput, asked.CostPerMillionInput);
        var output = Math.Max(own.CostPerMillionOutput, asked.CostPerMillionOutput);
        if (asked.CostPerMillionInput < own.CostPerMillionInput || asked.CostPerMillionOutput < own.CostPerMillionOutput)
        {
            notes.Add("lowers its costs below yours (budgets would count its calls as cheaper)");
        }

        var window = own.ContextWindow is int o && asked.ContextWindow is int a ? Math.Min(o, a) : own.ContextWindow ?? asked.ContextWindow;
        if (own.ContextWindow is int ownWindow && asked.ContextWindow > ownWindow)
        {
            notes.Add($"raises its contextWindow from {ownWindow.ToString(CultureInfo.InvariantCulture)} to {asked.ContextWindow.Value.ToString(CultureInfo.InvariantCulture)} tokens");
        }

        var narrowed = own with
        {
            Capabilities = own.Capabilities.Where(asked.Capabilities.Contains).ToList(),
            CostPerMillionInput = input,
            CostPerMillionOutput = output,
            ContextWindow = window,
            LatencyClass = asked.LatencyClass,
            Priority = asked.Priority,
        };
        return (narrowed, notes);
    }

    private static List<string> KnownNames(IReadOnlyList<string> asked, HashSet<string> known, string path, List<string> ignored)
    {
        var kept = new List<string>();
        for (var i = 0; i < asked.Count; i++)
        {
            if (known.Contains(asked[i]))
            {
                kept.Add(asked[i]);
            }
            else
            {
                ignored.Add($"{path}[{i.ToString(CultureInfo.InvariantCulture)}] \"{asked[i]}\": not one of your models");
            }
        }

        return kept;
    }

    private static decimal? LowerCap(decimal? own, decimal? asked, string path, List<string> ignored)
    {
        if (asked is not { } value || own is null || value <= own)
        {
            return asked ?? own;
        }

        ignored.Add($"{path}: raises your cap of {Usd(own.Value)} to {Usd(value)}");
        return own;
    }

    private static string Usd(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture) + " USD";

    // Names and URLs only: apiKeyEnv names a variable, never holds a key.
    private static string Describe(ModelDefinition model)
    {
        var parts = new List<string> { ConfigNames.ToJsonName(model.Provider) };
        if (model.Endpoint is not null)
        {
            parts[0] += $" at {model.Endpoint}";
        }

        if (model.Path is not null)
        {
            parts.Add($"path {model.Path}");
        }

        if (model.ApiKeyEnv is not null)
        {
            parts.Add($"key from ${model.ApiKeyEnv}");
        }

        return string.Join(", ", parts);
    }
}
