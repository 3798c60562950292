namespace Engram.Models.Configuration;

/// <summary>What a host knows about the workspace whose <c>.engram/engram.json</c> it layers over the user's file.</summary>
/// <param name="WorkspaceFolder">
/// The workspace folder; null: the folder that holds the file's <c>.engram</c> folder (or the file's own folder when it
/// is not in one).
/// </param>
/// <param name="TrustedByClient">
/// True when the host's client vouches for the folder for this session: an editor that runs its own trust check and
/// says so (the VS Code extension passes <c>vscode.workspace.isTrusted</c>). Never set from a workspace's own files.
/// </param>
public sealed record WorkspaceTrustContext(string? WorkspaceFolder = null, bool TrustedByClient = false);
