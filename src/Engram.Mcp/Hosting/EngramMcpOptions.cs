namespace Engram.Mcp.Hosting;

/// <summary>Settings of an <c>engram mcp</c> server.</summary>
public sealed record EngramMcpOptions
{
    /// <summary>Workspace roots from the command line (full paths of existing folders).</summary>
    public required IReadOnlyList<string> Roots { get; init; }

    /// <summary>
    /// False when <see cref="Roots"/> is only the default (the current folder): then the client's roots, when it
    /// sends some, replace it instead of being added to it.
    /// </summary>
    public bool RootsGiven { get; init; } = true;

    /// <summary>Folder of the index databases, or null for the XDG cache.</summary>
    public string? IndexDirectory { get; init; }

    /// <summary>Index and search without the embedding model.</summary>
    public bool LexicalOnly { get; init; }

    /// <summary>Folders searched for dialogue modes (<c>*.json</c>), later ones overriding earlier ones by name.</summary>
    public IReadOnlyList<string> ModesDirectories { get; init; } = [];

    /// <summary>The dialogue database, or null for the default (<c>$XDG_DATA_HOME/engram/dialogues.db</c>).</summary>
    public string? DialogueDatabasePath { get; init; }

    /// <summary>Ask the client for its roots (<c>roots/list</c>) when it supports them.</summary>
    public bool AcceptClientRoots { get; init; } = true;

    /// <summary>Start an incremental index update in the background when the server starts and when roots are added.</summary>
    public bool IndexOnStart { get; init; } = true;
}
