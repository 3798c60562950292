namespace Engram.Core.Storage;

/// <summary>
/// The index database cannot be used: it is corrupt, belongs to another application, was written by a newer
/// Engram, or cannot be opened. The message names the file and what to do; the file itself is never modified.
/// </summary>
public sealed class IndexStoreException : Exception
{
    /// <summary>Creates the exception with a message that names the database file.</summary>
    public IndexStoreException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// True when the database is sound but no build of it has completed yet (a first build is running or was
    /// interrupted); an indexing pass completes it. False for every other refusal.
    /// </summary>
    public bool Incomplete { get; init; }
}
