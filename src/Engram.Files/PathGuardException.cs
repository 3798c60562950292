namespace Engram.Files;

/// <summary>A path argument was refused by <see cref="PathGuard"/>; the message says why.</summary>
public sealed class PathGuardException : ArgumentException
{
    /// <summary>Creates the exception with its message.</summary>
    public PathGuardException(string message)
        : base(message)
    {
    }
}
