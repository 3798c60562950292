namespace Engram.Files;

/// <summary>Why <see cref="WorkspaceFile"/> refused to read a file.</summary>
public enum WorkspaceFileRefusal
{
    /// <summary>The file (after every symbolic link) lies outside the workspace root.</summary>
    OutsideRoot,

    /// <summary>The file lies inside a <c>.git</c> folder of the root.</summary>
    GitInternals,

    /// <summary>The path names a named pipe, a device, a socket or a folder, not a regular file.</summary>
    NotRegularFile,

    /// <summary>The file is larger than the caller's limit.</summary>
    TooLarge,

    /// <summary>The path changed between the check and the open (a symbolic link was swapped in).</summary>
    Changed,
}
