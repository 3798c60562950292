namespace Engram.Files;

/// <summary>What a path names, as the operating system reports it (the <c>S_IFMT</c> bits of <c>stat</c>).</summary>
public enum FileKind
{
    /// <summary>Nothing exists at the path.</summary>
    Missing,

    /// <summary>A regular file: the only kind Engram reads.</summary>
    RegularFile,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A symbolic link (reported only when links are not followed).</summary>
    SymbolicLink,

    /// <summary>A named pipe (FIFO): opening it for reading blocks until a writer appears.</summary>
    NamedPipe,

    /// <summary>A character device such as <c>/dev/zero</c>: reading it may never end.</summary>
    CharacterDevice,

    /// <summary>A block device.</summary>
    BlockDevice,

    /// <summary>A Unix domain socket.</summary>
    Socket,

    /// <summary>Any other kind the platform reports.</summary>
    Other,
}
