using Engram.Models.Configuration;

namespace Engram.Features.Dialogue;

/// <summary>
/// What the modes of untrusted workspaces may name: a mode file in the <c>.engram/modes</c> folder of a workspace
/// that is not trusted (or a mode that extends or overrides one) may name only models the configuration defines
/// (for an untrusted workspace, those are the user's own); <see cref="ModeCatalog"/> refuses the others.
/// </summary>
/// <param name="UntrustedFolders">Mode folders of untrusted workspaces (symbolic links resolved) mapped to their workspace folder.</param>
/// <param name="ConfiguredModels">The model names the configuration in force defines.</param>
/// <remarks>
/// Modes cannot name endpoints or keys at all (<c>mode.schema.json</c> has no such field); a model name is the only
/// way a mode reaches a provider, so naming only configured models keeps a workspace's modes within what the user set up.
/// </remarks>
public sealed record ModeTrust(IReadOnlyDictionary<string, string> UntrustedFolders, IReadOnlySet<string> ConfiguredModels)
{
    /// <summary>
    /// The restrictions for <paramref name="workspaceRoots"/> under <paramref name="config"/>: each root that is not
    /// trusted (<see cref="WorkspaceTrust.IsTrusted"/>) contributes its <c>.engram/modes</c> folder.
    /// </summary>
    public static ModeTrust For(EngramConfig config, IEnumerable<string> workspaceRoots)
    {
        ArgumentNullException.ThrowIfNull(config);
        var untrusted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var root in workspaceRoots.Distinct(StringComparer.Ordinal))
        {
            if (!WorkspaceTrust.IsTrusted(root, config))
            {
                var folder = WorkspaceTrust.Canonicalize(root);
                untrusted[WorkspaceTrust.Canonicalize(Path.Combine(root, ".engram", "modes"))] = folder;
            }
        }

        return new ModeTrust(untrusted, config.Models.Select(m => m.Name).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The untrusted workspace folder whose modes folder holds <paramref name="modeFile"/>, or null.</summary>
    public string? UntrustedWorkspaceOf(string modeFile)
    {
        if (UntrustedFolders.Count == 0 || Path.GetDirectoryName(Path.GetFullPath(modeFile)) is not { } directory)
        {
            return null;
        }

        return UntrustedFolders.TryGetValue(WorkspaceTrust.Canonicalize(directory), out var workspace) ? workspace : null;
    }
}
