using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Engram.Files.Native;

/// <summary>
/// The few system calls .NET does not expose that a safe read needs: <c>open(2)</c> with <c>O_NOFOLLOW | O_NONBLOCK
/// | O_NOCTTY | O_CLOEXEC</c>, <c>stat</c> of a path without following it and of an open handle (kind, size, device,
/// inode), <c>realpath(3)</c>, and the kernel's own path of an open handle (<c>/proc/self/fd/N</c>).
/// </summary>
/// <remarks>
/// Linux (statx, whose layout is the same on every architecture) and macOS (the 64-bit-inode <c>struct stat</c>).
/// Open flags differ between architectures (<c>O_NOFOLLOW</c> is 0x20000 on x86 and 0x8000 on Arm); an architecture
/// not listed here reports <see cref="IsSupported"/> false and <see cref="WorkspaceFile"/> falls back to managed checks.
/// </remarks>
internal static unsafe partial class UnixFiles
{
    private const int StatxBufferBytes = 256;
    private const int DarwinStatBytes = 144;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int EPERM = 1;
    private const int ENOENT = 2;
    private const int EINTR = 4;
    private const int EACCES = 13;
    private const int ENOTDIR = 20;

    private static readonly int s_openFlags = OpenFlags();
    private static readonly int s_loopErrno = OperatingSystem.IsMacOS() ? 62 : 40;

    /// <summary>True on Linux (common architectures) and macOS.</summary>
    public static bool IsSupported => s_openFlags >= 0;

    /// <summary>Opens <paramref name="path"/> read-only without following a final symbolic link and without blocking.</summary>
    /// <param name="path">An absolute path.</param>
    /// <param name="errno">0 on success, else the error number.</param>
    /// <returns>The handle, or null with <paramref name="errno"/> set.</returns>
    public static SafeFileHandle? Open(string path, out int errno)
    {
        while (true)
        {
            var fd = SysOpen(path, s_openFlags);
            if (fd >= 0)
            {
                errno = 0;
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                return null;
            }
        }
    }

    /// <summary>True when <paramref name="errno"/> says a final symbolic link was refused (<c>ELOOP</c>).</summary>
    public static bool IsSymbolicLinkError(int errno) => errno == s_loopErrno;

    /// <summary>True when <paramref name="errno"/> says the path does not exist.</summary>
    public static bool IsMissingError(int errno) => errno is ENOENT or ENOTDIR;

    /// <summary>True when <paramref name="errno"/> says access is denied.</summary>
    public static bool IsAccessError(int errno) => errno is EACCES or EPERM;

    /// <summary>The status of <paramref name="path"/> itself (a link is not followed), or null when it does not exist.</summary>
    /// <exception cref="IOException">stat failed for another reason.</exception>
    public static FileStatus? LinkStatus(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            var buffer = stackalloc byte[StatxBufferBytes];
            int rc;
            do
            {
                rc = SysStatx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer);
            }
            while (Interrupted(rc));

            return Succeeded(rc, path) ? FromStatx(buffer) : null;
        }

        var stat = stackalloc byte[DarwinStatBytes];
        var x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        int result;
        do
        {
            result = x64 ? DarwinLStatX64(path, stat) : DarwinLStat(path, stat);
        }
        while (Interrupted(result));

        return Succeeded(result, path) ? FromDarwinStat(stat) : null;
    }

    /// <summary>The status of the open file <paramref name="handle"/>.</summary>
    /// <exception cref="IOException">fstat failed.</exception>
    public static FileStatus Status(SafeFileHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var fd = (int)handle.DangerousGetHandle();
            if (OperatingSystem.IsLinux())
            {
                var buffer = stackalloc byte[StatxBufferBytes];
                int rc;
                do
                {
                    rc = SysStatx(fd, "", AtEmptyPath, StatxBasicStats, buffer);
                }
                while (Interrupted(rc));

                if (!Succeeded(rc, "file descriptor " + fd))
                {
                    throw new IOException($"fstat of file descriptor {fd} failed: the file vanished.");
                }

                return FromStatx(buffer);
            }

            var stat = stackalloc byte[DarwinStatBytes];
            var x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
            int result;
            do
            {
                result = x64 ? DarwinFStatX64(fd, stat) : DarwinFStat(fd, stat);
            }
            while (Interrupted(result));

            if (!Succeeded(result, "file descriptor " + fd))
            {
                throw new IOException($"fstat of file descriptor {fd} failed: the file vanished.");
            }

            return FromDarwinStat(stat);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// <c>realpath(3)</c>: <paramref name="path"/> with every symbolic link, <c>.</c> and <c>..</c> resolved; null when a
    /// component does not exist (the caller resolves what exists itself).
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">A folder on the way may not be searched.</exception>
    /// <exception cref="IOException">realpath failed for another reason (a link loop, a name too long).</exception>
    public static string? RealPath(string path)
    {
        var resolved = SysRealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (IsMissingError(errno))
            {
                return null;
            }

            if (IsAccessError(errno))
            {
                throw new UnauthorizedAccessException($"Access to '{path}' is denied.");
            }

            throw new IOException($"Cannot resolve '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            NativeMemory.Free((void*)resolved);
        }
    }

    /// <summary>
    /// The path the kernel holds for the open file (Linux: the target of <c>/proc/self/fd/N</c>, without a trailing
    /// <c> (deleted)</c>); null where the platform has no such view (macOS, or Linux without <c>/proc</c>).
    /// </summary>
    public static string? OpenedPath(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var target = new FileInfo("/proc/self/fd/" + handle.DangerousGetHandle()).LinkTarget;
            if (target is null || !target.StartsWith('/'))
            {
                return null;
            }

            // An unlinked file keeps its last path plus this suffix; that path is where it was opened.
            return target.EndsWith(" (deleted)", StringComparison.Ordinal) ? target[..^" (deleted)".Length] : target;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static bool Interrupted(int rc) => rc != 0 && Marshal.GetLastPInvokeError() == EINTR;

    // True on success, false when the path does not exist; throws for other errors.
    private static bool Succeeded(int rc, string what)
    {
        if (rc == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (IsMissingError(errno))
        {
            return false;
        }

        if (IsAccessError(errno))
        {
            throw new UnauthorizedAccessException($"Access to '{what}' is denied.");
        }

        throw new IOException($"stat of '{what}' failed: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    // struct statx: stx_mode u16 at 28, stx_ino u64 at 32, stx_size u64 at 40, stx_dev_major/minor u32 at 136/140.
    private static FileStatus FromStatx(byte* buffer)
    {
        var mode = *(ushort*)(buffer + 28);
        var inode = *(ulong*)(buffer + 32);
        var size = *(ulong*)(buffer + 40);
        var device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
        return new FileStatus(FileStatus.KindOf(mode), (long)Math.Min(size, long.MaxValue), device, inode);
    }

    // Darwin struct stat (64-bit inodes): st_dev i32 at 0, st_mode u16 at 4, st_ino u64 at 8, st_size i64 at 96.
    private static FileStatus FromDarwinStat(byte* buffer)
    {
        var device = (ulong)(uint)*(int*)buffer;
        var mode = *(ushort*)(buffer + 4);
        var inode = *(ulong*)(buffer + 8);
        var size = *(long*)(buffer + 96);
        return new FileStatus(FileStatus.KindOf(mode), size, device, inode);
    }

    private static int OpenFlags()
    {
        if (OperatingSystem.IsMacOS())
        {
            // O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC
            return 0x4 | 0x100 | 0x20000 | 0x1000000;
        }

        if (!OperatingSystem.IsLinux())
        {
            return -1;
        }

        var noFollow = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 or Architecture.X86 or Architecture.RiscV64 or Architecture.LoongArch64 or Architecture.S390x => 0x20000,
            Architecture.Arm or Architecture.Arm64 or Architecture.Ppc64le => 0x8000,
            _ => -1,
        };

        // O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC
        return noFollow < 0 ? -1 : 0x800 | noFollow | 0x100 | 0x80000;
    }

    // open(2) is variadic; without O_CREAT no mode argument is passed, which is safe on every ABI.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysOpen(string path, int flags);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr SysRealPath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysStatx(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int DarwinLStat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lstat$INODE64", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int DarwinLStatX64(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int DarwinFStat(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstat$INODE64", SetLastError = true)]
    private static partial int DarwinFStatX64(int fd, byte* buffer);
}
