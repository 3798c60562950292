namespace Engram.Models.Configuration;

/// <summary>
/// Which folders the user trusts: the <c>trustedFolders</c> of the user configuration (written by
/// <c>engram trust PATH</c>), each covering its subfolders, compared after full-path and symbolic-link resolution.
/// </summary>
/// <remarks>
/// A workspace is untrusted input: a cloned repository must not be able to make Engram send code or keys anywhere.
/// Only the user's own configuration (or, for one session, an editor that runs its own trust check) can trust a
/// folder; a workspace file can never trust itself. Thread-safe: pure functions of their arguments and the file system.
/// </remarks>
public static class WorkspaceTrust
{
    private const int MaxLinks = 40;

    private static StringComparison PathComparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// <paramref name="path"/> as a full path with every symbolic link resolved, component by component (a missing
    /// tail is kept as written), without a trailing separator except for a file-system root.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or not a valid path.</exception>
    public static string Canonicalize(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var resolved = Resolve(Path.GetFullPath(path), 0);
        var root = Path.GetPathRoot(resolved) ?? "";
        return resolved.Length > root.Length ? resolved.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) : resolved;
    }

    /// <summary>True when <paramref name="folder"/> is <paramref name="trusted"/> or inside it (both canonical, see <see cref="Canonicalize"/>).</summary>
    public static bool Covers(string trusted, string folder)
    {
        if (string.Equals(trusted, folder, PathComparison))
        {
            return true;
        }

        var prefix = trusted.EndsWith(Path.DirectorySeparatorChar) ? trusted : trusted + Path.DirectorySeparatorChar;
        return folder.StartsWith(prefix, PathComparison);
    }

    /// <summary>
    /// The entry of <paramref name="trustedFolders"/> that covers <paramref name="folder"/> (as written in the
    /// configuration), or null. Both sides are canonicalised first; entries that are not valid paths are skipped.
    /// </summary>
    public static string? FindTrustedFolder(string folder, IReadOnlyList<string> trustedFolders)
    {
        if (trustedFolders.Count == 0)
        {
            return null;
        }

        var canonical = Canonicalize(folder);
        foreach (var entry in trustedFolders)
        {
            string trusted;
            try
            {
                trusted = Canonicalize(entry);
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or NotSupportedException)
            {
                continue;
            }

            if (Covers(trusted, canonical))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// True when <paramref name="folder"/> is trusted under <paramref name="config"/>: covered by its
    /// <see cref="EngramConfig.TrustedFolders"/>, or vouched for by the session's client
    /// (<see cref="WorkspaceTrustState.TrustedByClient"/>, which covers every folder of that session).
    /// </summary>
    public static bool IsTrusted(string folder, EngramConfig config) =>
        config.Workspace?.TrustedByClient == true || FindTrustedFolder(folder, config.TrustedFolders) is not null;

    /// <summary>The command that trusts <paramref name="folder"/>, quoted for a POSIX shell: <c>engram trust /path/to/repo</c>.</summary>
    public static string TrustCommand(string folder) =>
        "engram trust " + (folder.Length > 0 && folder.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ',' or ':' or '@' or '%' or '=')
            ? folder
            : "'" + folder.Replace("'", "'\\''", StringComparison.Ordinal) + "'");

    private static string Resolve(string full, int depth)
    {
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        var parts = full[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (depth >= MaxLinks)
                {
                    throw new IOException($"Too many levels of symbolic links resolving {full}.");
                }

                // A relative target is relative to the link's folder; the target may hold links of its own.
                var absolute = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target));
                next = Resolve(absolute, depth + 1);
            }
            else if (!info.Exists && !Directory.Exists(next))
            {
                // Missing from here on: nothing more to resolve.
                return Path.Combine([next, .. parts[(i + 1)..]]);
            }

            current = next;
        }

        return current;
    }
}
