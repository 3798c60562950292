using System.CommandLine;

namespace Engram.Cli.Commands;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public static Option<string?> IndexDir() => new("--index-dir")
    {
        Description = "Folder holding the index database (default: $XDG_CACHE_HOME/engram/indexes/NAME-HASH, outside the working tree).",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Write machine-readable JSON to stdout (no tables, no progress bars).",
    };

    public static Option<bool> LexicalOnly() => new("--no-embeddings")
    {
        Description = "Use lexical evidence only (no sentence-embedding model). Index and search must agree.",
    };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "Threads for the embedding model (0 = one per processor).",
        DefaultValueFactory = _ => 0,
    };

    public static Option<bool> Verbose() => new("--verbose", "-v")
    {
        Description = "Log debug details to stderr.",
    };
}
