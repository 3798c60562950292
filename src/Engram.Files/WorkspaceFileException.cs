namespace Engram.Files;

/// <summary>
/// <see cref="WorkspaceFile"/> refused to read a file; the message names the file and why. An <see cref="IOException"/>,
/// so callers that skip unreadable files skip refused ones the same way.
/// </summary>
public sealed class WorkspaceFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The path as the caller gave it (made absolute).</param>
    /// <param name="refusal">Why it was refused.</param>
    /// <param name="message">A sentence naming the file, the reason and, where there is one, the limit.</param>
    public WorkspaceFileException(string filePath, WorkspaceFileRefusal refusal, string message)
        : base(message)
    {
        FilePath = filePath;
        Refusal = refusal;
    }

    /// <summary>The refused path (absolute).</summary>
    public string FilePath { get; }

    /// <summary>Why it was refused.</summary>
    public WorkspaceFileRefusal Refusal { get; }
}
