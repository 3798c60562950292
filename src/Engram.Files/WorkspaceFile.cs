using System.Text;
using Engram.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Engram.Files;

/// <summary>
/// How Engram reads a file on a workspace's behalf: only regular files, never more than a size limit, every read
/// cancellable, and — when a root is given — only a file whose opened handle really lies inside that root's real path
/// and outside its <c>.git</c> folders.
/// </summary>
/// <remarks>
/// <para>The path is resolved (every symbolic link, component by component), checked, then opened with
/// <c>O_NOFOLLOW | O_NONBLOCK | O_NOCTTY</c>: a final component swapped for a link fails the open, a named pipe never
/// blocks it, and the handle's kind and size come from <c>fstat</c>, not from the path. After the open the handle
/// itself is checked against the root: on Linux through the kernel's path of the handle (<c>/proc/self/fd/N</c>), so a
/// folder swapped for a link anywhere in the path is caught; elsewhere by resolving the path again and comparing device
/// and inode numbers. A file that fails a check is closed unread and the caller gets a
/// <see cref="WorkspaceFileException"/> (an <see cref="IOException"/>) naming the file and the reason.</para>
/// <para>On platforms without these calls (Windows, unusual Unix architectures) the checks run on the path before
/// and after opening it, which narrows but does not close the race. Thread-safe: static and stateless.</para>
/// </remarks>
public static class WorkspaceFile
{
    /// <summary>The default limit for files read for a request (source files, documents): 8 MiB.</summary>
    public const long DefaultMaxBytes = 8L * 1024 * 1024;

    /// <summary>The limit for configuration and mode files: 1 MiB.</summary>
    public const long MaxConfigBytes = 1024 * 1024;

    /// <summary>The name of the workspace's own folder (<c>.engram/engram.json</c>, <c>.engram/modes</c>).</summary>
    public const string WorkspaceFolderName = ".engram";

    private const int ChunkBytes = 1024 * 1024;

    /// <summary>Opens a regular file for reading after the checks described on the type.</summary>
    /// <param name="path">The file; relative paths are taken from the current folder.</param>
    /// <param name="root">The workspace root the file must lie in (after every link), or null for a file the user named.</param>
    /// <param name="maxBytes">Largest size accepted, in bytes.</param>
    /// <returns>A stream positioned at the start; the caller disposes it.</returns>
    /// <exception cref="WorkspaceFileException">Outside <paramref name="root"/>, in <c>.git</c>, not a regular file, over the limit, or swapped while opened.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at the path.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="ArgumentException">The path is empty or contains a NUL character.</exception>
    public static FileStream OpenRead(string path, string? root, long maxBytes)
    {
        var handle = OpenHandle(path, root, maxBytes, out _);
        try
        {
            return new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a whole regular file after the checks described on the type.</summary>
    /// <param name="path">The file; relative paths are taken from the current folder.</param>
    /// <param name="root">The workspace root the file must lie in (after every link), or null for a file the user named.</param>
    /// <param name="maxBytes">Largest size accepted, in bytes.</param>
    /// <param name="cancellationToken">Checked before each 1 MiB read.</param>
    /// <exception cref="WorkspaceFileException">Outside <paramref name="root"/>, in <c>.git</c>, not a regular file, over the limit (also when it grows while read), or swapped while opened.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at the path.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static byte[] ReadAllBytes(string path, string? root, long maxBytes, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var handle = OpenHandle(path, root, maxBytes, out var size);
        var buffer = new byte[size];
        var total = 0;
        Span<byte> probe = stackalloc byte[1];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (total == buffer.Length)
            {
                // Full: one more byte tells the end of the file from a file that grew after fstat.
                if (RandomAccess.Read(handle, probe, total) == 0)
                {
                    return buffer;
                }

                buffer = Grow(buffer, path, maxBytes);
                buffer[total++] = probe[0];
                continue;
            }

            var read = RandomAccess.Read(handle, buffer.AsSpan(total, Math.Min(ChunkBytes, buffer.Length - total)), total);
            if (read == 0)
            {
                return buffer[..total];
            }

            total += read;
        }
    }

    /// <inheritdoc cref="ReadAllBytes(string, string?, long, CancellationToken)"/>
    public static async Task<byte[]> ReadAllBytesAsync(string path, string? root, long maxBytes, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var handle = OpenHandle(path, root, maxBytes, out var size);
        var buffer = new byte[size];
        var total = 0;
        var probe = new byte[1];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (total == buffer.Length)
            {
                // Full: one more byte tells the end of the file from a file that grew after fstat.
                if (await RandomAccess.ReadAsync(handle, probe, total, cancellationToken).ConfigureAwait(false) == 0)
                {
                    return buffer;
                }

                buffer = Grow(buffer, path, maxBytes);
                buffer[total++] = probe[0];
                continue;
            }

            var read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(total, Math.Min(ChunkBytes, buffer.Length - total)), total, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer[..total];
            }

            total += read;
        }
    }

    /// <summary>Reads a whole regular file as text (UTF-8 unless a byte order mark says otherwise), after the checks described on the type.</summary>
    /// <param name="path">The file; relative paths are taken from the current folder.</param>
    /// <param name="root">The workspace root the file must lie in (after every link), or null for a file the user named.</param>
    /// <param name="maxBytes">Largest size accepted, in bytes.</param>
    /// <param name="cancellationToken">Checked before each 1 MiB read.</param>
    /// <exception cref="WorkspaceFileException">Outside <paramref name="root"/>, in <c>.git</c>, not a regular file, over the limit, or swapped while opened.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at the path.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static string ReadAllText(string path, string? root, long maxBytes, CancellationToken cancellationToken = default) =>
        Decode(ReadAllBytes(path, root, maxBytes, cancellationToken));

    /// <inheritdoc cref="ReadAllText(string, string?, long, CancellationToken)"/>
    public static async Task<string> ReadAllTextAsync(string path, string? root, long maxBytes, CancellationToken cancellationToken = default) =>
        Decode(await ReadAllBytesAsync(path, root, maxBytes, cancellationToken).ConfigureAwait(false));

    /// <summary>What <paramref name="path"/> names; with <paramref name="followLinks"/> false a symbolic link is reported as one.</summary>
    /// <exception cref="UnauthorizedAccessException">A folder on the way may not be searched.</exception>
    public static FileKind GetKind(string path, bool followLinks = false)
    {
        var full = Path.GetFullPath(path);
        if (followLinks)
        {
            full = PathGuard.RealPath(full);
        }

        if (UnixFiles.IsSupported)
        {
            return UnixFiles.LinkStatus(full)?.Kind ?? FileKind.Missing;
        }

        FileSystemInfo info = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full);
        if (!info.Exists && info.LinkTarget is null)
        {
            return FileKind.Missing;
        }

        return info.LinkTarget is not null ? FileKind.SymbolicLink
            : info is DirectoryInfo ? FileKind.Directory
            : info.Attributes.HasFlag(FileAttributes.Device) ? FileKind.CharacterDevice
            : FileKind.RegularFile;
    }

    /// <summary>
    /// Refuses <paramref name="path"/> (a file or folder, existing or not) unless its real path lies inside the real path
    /// of <paramref name="root"/> and outside its <c>.git</c> folders; use it for folders a workspace supplies
    /// (<c>.engram/modes</c>) before listing them. Reading a file needs no separate call: the reads check it.
    /// </summary>
    /// <exception cref="WorkspaceFileException">Outside the root (through a symbolic link) or in <c>.git</c>.</exception>
    public static void CheckInsideRoot(string path, string root)
    {
        var full = Path.GetFullPath(path);
        CheckInside(PathGuard.RealPath(full), PathGuard.RealPath(Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar)), full);
    }

    /// <summary>
    /// The workspace root that owns <paramref name="path"/> by Engram's convention: the folder above the last
    /// <c>.engram</c> segment (<c>ROOT/.engram/engram.json</c>, <c>ROOT/.engram/modes/x.json</c> → <c>ROOT</c>); null when
    /// the path has no <c>.engram</c> segment (the user's own files, the shipped modes).
    /// </summary>
    public static string? WorkspaceRootOf(string path)
    {
        var full = Path.GetFullPath(path);
        var marker = Path.DirectorySeparatorChar + WorkspaceFolderName;
        for (var index = full.LastIndexOf(marker, StringComparison.Ordinal); index >= 0; index = index == 0 ? -1 : full.LastIndexOf(marker, index - 1, StringComparison.Ordinal))
        {
            var end = index + marker.Length;
            if (end == full.Length || full[end] == Path.DirectorySeparatorChar)
            {
                return index == 0 ? Path.GetPathRoot(full) : full[..index];
            }
        }

        return null;
    }

    /// <summary>
    /// Refuses <paramref name="candidate"/> (a real path) unless it lies inside <paramref name="realRoot"/> and outside
    /// its <c>.git</c> folders.
    /// </summary>
    internal static void CheckInside(string candidate, string realRoot, string full, WorkspaceFileRefusal outside = WorkspaceFileRefusal.OutsideRoot)
    {
        if (!PathGuard.IsInside(candidate, realRoot))
        {
            throw outside == WorkspaceFileRefusal.Changed
                ? Changed(full)
                : new WorkspaceFileException(full, WorkspaceFileRefusal.OutsideRoot, $"'{full}' is refused: it leads outside the workspace root {realRoot} (through a symbolic link).");
        }

        var relative = Path.GetRelativePath(realRoot, candidate).Replace('\\', '/');
        if (relative.Split('/').Any(s => s.Equals(".git", StringComparison.OrdinalIgnoreCase)))
        {
            throw new WorkspaceFileException(full, WorkspaceFileRefusal.GitInternals, $"'{full}' is refused: it leads into .git internals.");
        }
    }

    private static SafeFileHandle OpenHandle(string path, string? root, long maxBytes, out int size)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        if (path.Contains('\0', StringComparison.Ordinal) || root?.Contains('\0', StringComparison.Ordinal) == true)
        {
            throw new ArgumentException("The path contains a NUL character.", nameof(path));
        }

        var full = Path.GetFullPath(path);
        var realRoot = root is null ? null : PathGuard.RealPath(Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar));
        var real = PathGuard.RealPath(full);
        if (realRoot is not null)
        {
            CheckInside(real, realRoot, full);
        }

        var handle = UnixFiles.IsSupported ? OpenUnix(full, real) : OpenManaged(full, real);
        try
        {
            var length = UnixFiles.IsSupported ? CheckOpened(handle, full, real, realRoot) : RandomAccess.GetLength(handle);
            if (length > maxBytes)
            {
                throw TooLarge(full, length, maxBytes);
            }

            // A file never exceeds an array's length here: the limit is the caller's, and arrays stop at 2 GiB.
            size = (int)Math.Min(length, Array.MaxLength);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static SafeFileHandle OpenUnix(string full, string real)
    {
        // Refuse pipes and devices before opening them: opening some devices has effects of its own.
        var before = UnixFiles.LinkStatus(real) ?? throw new FileNotFoundException($"Could not find file '{full}'.", full);
        if (before.Kind == FileKind.SymbolicLink)
        {
            throw Changed(full);
        }

        if (before.Kind != FileKind.RegularFile)
        {
            throw NotRegular(full, before.Kind);
        }

        var handle = UnixFiles.Open(real, out var errno);
        if (handle is not null)
        {
            return handle;
        }

        if (UnixFiles.IsSymbolicLinkError(errno))
        {
            throw Changed(full);
        }

        if (UnixFiles.IsMissingError(errno))
        {
            throw new FileNotFoundException($"Could not find file '{full}'.", full);
        }

        if (UnixFiles.IsAccessError(errno))
        {
            throw new UnauthorizedAccessException($"Access to the path '{full}' is denied.");
        }

        throw new IOException($"Cannot open '{full}': {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}");
    }

    // Checks the opened handle itself; returns its size.
    private static long CheckOpened(SafeFileHandle handle, string full, string real, string? realRoot)
    {
        var status = UnixFiles.Status(handle);
        if (status.Kind != FileKind.RegularFile)
        {
            throw NotRegular(full, status.Kind);
        }

        if (realRoot is null)
        {
            return status.Size;
        }

        if (UnixFiles.OpenedPath(handle) is { } opened)
        {
            CheckInside(opened, realRoot, full, WorkspaceFileRefusal.Changed);
            return status.Size;
        }

        // No kernel view of the handle's path: resolve the path again and require the very same file there.
        var again = PathGuard.RealPath(full);
        CheckInside(again, realRoot, full, WorkspaceFileRefusal.Changed);
        if (again != real || UnixFiles.LinkStatus(again) is not { } now || !now.SameFileAs(status))
        {
            throw Changed(full);
        }

        return status.Size;
    }

    private static SafeFileHandle OpenManaged(string full, string real)
    {
        var info = new FileInfo(real);
        if (Directory.Exists(real))
        {
            throw NotRegular(full, FileKind.Directory);
        }

        if (!info.Exists)
        {
            throw new FileNotFoundException($"Could not find file '{full}'.", full);
        }

        if (info.Attributes.HasFlag(FileAttributes.Device))
        {
            throw NotRegular(full, FileKind.CharacterDevice);
        }

        if (info.LinkTarget is not null)
        {
            throw Changed(full);
        }

        var handle = File.OpenHandle(real, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (PathGuard.RealPath(full) != real)
        {
            handle.Dispose();
            throw Changed(full);
        }

        return handle;
    }

    private static byte[] Grow(byte[] buffer, string path, long maxBytes)
    {
        // The file grew after fstat (or reported size 0, as /proc files do): read on, but never past the limit.
        if (buffer.Length + 1L > maxBytes)
        {
            throw TooLarge(Path.GetFullPath(path), buffer.Length + 1L, maxBytes, grew: true);
        }

        var next = (int)Math.Min(Math.Min(maxBytes, Array.MaxLength), Math.Max(4096L, buffer.Length * 2L));
        var grown = new byte[next];
        buffer.CopyTo(grown, 0);
        return grown;
    }

    private static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static WorkspaceFileException NotRegular(string full, FileKind kind) => new(full, WorkspaceFileRefusal.NotRegularFile, kind switch
    {
        FileKind.NamedPipe => $"'{full}' is a named pipe (FIFO), not a regular file; Engram reads only regular files.",
        FileKind.CharacterDevice => $"'{full}' is a character device, not a regular file; Engram reads only regular files.",
        FileKind.BlockDevice => $"'{full}' is a block device, not a regular file; Engram reads only regular files.",
        FileKind.Socket => $"'{full}' is a socket, not a regular file; Engram reads only regular files.",
        FileKind.Directory => $"'{full}' is a folder, not a file.",
        _ => $"'{full}' is a special file, not a regular file; Engram reads only regular files.",
    });

    private static WorkspaceFileException TooLarge(string full, long size, long maxBytes, bool grew = false) => new(
        full,
        WorkspaceFileRefusal.TooLarge,
        grew
            ? $"'{full}' grew past the limit of {maxBytes} bytes while it was read; it was not read."
            : $"'{full}' is {size} bytes, over the limit of {maxBytes} bytes; it was not read.");

    private static WorkspaceFileException Changed(string full) => new(
        full,
        WorkspaceFileRefusal.Changed,
        $"'{full}' is refused: it changed while it was being opened (a symbolic link was swapped in); it was not read.");
}
