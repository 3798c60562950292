using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Engram.Tests.Support;

/// <summary>
/// Real special files for hostile-input tests (Linux and macOS): named pipes made with <c>mkfifo(3)</c>, Unix domain
/// sockets bound on disk, and <c>rename(2)</c>, which replaces a symbolic link itself where <see cref="File.Move(string, string, bool)"/>
/// follows a link to a folder. Shared by the test projects (linked, not copied).
/// </summary>
internal static partial class SpecialFiles
{
    /// <summary>Creates a named pipe (FIFO) at <paramref name="path"/>; nothing ever writes to it.</summary>
    public static string MakeFifo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (MkFifo(path, 0b110_100_100) != 0)
        {
            throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return path;
    }

    /// <summary>Binds a Unix domain socket at <paramref name="path"/>; dispose the socket to close it (the file stays).</summary>
    public static Socket BindSocket(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>Atomically replaces <paramref name="newPath"/> (a file or a symbolic link, never followed) by <paramref name="oldPath"/>.</summary>
    public static void Rename(string oldPath, string newPath)
    {
        if (SysRename(oldPath, newPath) != 0)
        {
            throw new IOException($"rename {oldPath} {newPath} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysRename(string oldPath, string newPath);
}
