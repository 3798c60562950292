namespace Engram.Files.Native;

/// <summary>What <c>stat</c> says about a file: its kind, size in bytes and identity (device and inode numbers).</summary>
internal readonly record struct FileStatus(FileKind Kind, long Size, ulong Device, ulong Inode)
{
    /// <summary>True when both name the same file (same device and inode).</summary>
    public bool SameFileAs(FileStatus other) => Device == other.Device && Inode == other.Inode;

    /// <summary>The kind encoded in the <c>S_IFMT</c> bits of <paramref name="mode"/> (the same values on Linux and macOS).</summary>
    public static FileKind KindOf(uint mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.RegularFile,
        0x4000 => FileKind.Directory,
        0xA000 => FileKind.SymbolicLink,
        0x1000 => FileKind.NamedPipe,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0xC000 => FileKind.Socket,
        _ => FileKind.Other,
    };
}
