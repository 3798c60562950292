namespace Engram.Cli;

/// <summary>Process exit codes of <c>engram</c>.</summary>
public static class ExitCodes
{
    /// <summary>The command succeeded.</summary>
    public const int Success = 0;

    /// <summary>The command failed (unusable index, I/O error); the message is on stderr.</summary>
    public const int Failure = 1;

    /// <summary>Bad input: missing path, empty query, malformed JSONL; the message is on stderr.</summary>
    public const int BadInput = 2;

    /// <summary>The command was cancelled (Ctrl+C), as shells report an interrupted process.</summary>
    public const int Cancelled = 130;
}
