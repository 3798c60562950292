namespace Engram.Models.Configuration;

/// <summary>
/// How far a workspace's <c>.engram/engram.json</c> was honoured when it was layered over the user's configuration:
/// whether the folder is trusted (and by whom), and what an untrusted file asked for beyond narrowing that was ignored.
/// </summary>
/// <remarks>
/// An untrusted workspace may only choose among the user's models, narrow routes and capabilities and lower budgets;
/// everything else it asks for (new models, endpoints, key variables, local model paths, raised budgets or costs
/// lowered below the user's) is left out of the merged configuration and listed in <see cref="Ignored"/>.
/// </remarks>
public sealed record WorkspaceTrustState
{
    /// <summary>The workspace folder, full path with symbolic links resolved.</summary>
    public required string Folder { get; init; }

    /// <summary>The workspace configuration file (it may not exist).</summary>
    public required string ConfigFile { get; init; }

    /// <summary>The <c>trustedFolders</c> entry of the user configuration that covers <see cref="Folder"/>, or null.</summary>
    public string? TrustedFolder { get; init; }

    /// <summary>True when the host's client vouched for the folder for this session (the editor's Workspace Trust).</summary>
    public bool TrustedByClient { get; init; }

    /// <summary>True when the workspace file was honoured in full.</summary>
    public bool Trusted => TrustedFolder is not null || TrustedByClient;

    /// <summary>
    /// What the untrusted workspace file asked for and was ignored, one entry per request, each starting with its
    /// JSON path (e.g. <c>$.models[0] "m": a model you have not configured (openai at http://…, key from $VAR)</c>);
    /// empty when the folder is trusted or the file only narrows.
    /// </summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];

    /// <summary>True when something was ignored (<see cref="Ignored"/> is not empty).</summary>
    public bool Restricted => Ignored.Count > 0;

    /// <summary>The command that trusts <see cref="Folder"/>, quoted for a POSIX shell: <c>engram trust /path/to/repo</c>.</summary>
    public string TrustCommand => WorkspaceTrust.TrustCommand(Folder);

    /// <summary>
    /// One paragraph for the user when <see cref="Restricted"/>: what was ignored, why, and <see cref="TrustCommand"/>;
    /// null otherwise. Names environment variables, never their values.
    /// </summary>
    public string? Notice => Restricted
        ? $"{ConfigFile} asks for more than your own configuration allows, and {Folder} is not a trusted folder, so this was ignored: "
          + string.Join("; ", Ignored)
          + $". An untrusted workspace may only choose among your models, narrow routes and lower budgets. To trust it: {TrustCommand}"
        : null;
}
