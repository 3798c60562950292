namespace Engram.Files;

/// <summary>A path argument resolved inside a workspace root.</summary>
/// <param name="Root">Full path of the root (as configured, not symlink-resolved).</param>
/// <param name="FullPath">Full path of the file or folder (lexically inside <paramref name="Root"/>).</param>
/// <param name="RelativePath">Path relative to <paramref name="Root"/>, forward slashes; empty for the root itself.</param>
public sealed record GuardedPath(string Root, string FullPath, string RelativePath);

/// <summary>
/// Resolves path arguments of MCP requests inside the workspace roots and refuses everything else: <c>..</c>
/// segments, absolute paths outside every root, symbolic links whose target leaves the root, <c>.git</c> internals,
/// empty paths and control characters.
/// </summary>
/// <remarks>
/// The roots are read on every call (they change when the client's roots arrive). Relative paths are tried against
/// each root in order and resolve to the first one where the path exists (else the first root). Symbolic links are
/// followed component by component, so a link anywhere in the path is checked, and the final target must lie inside
/// the real path of the same root. The check is on the path; reading the file goes through
/// <see cref="WorkspaceFile"/>, which checks the opened handle again (a link swapped in after this check is refused
/// there). Thread-safe.
/// </remarks>
public sealed class PathGuard
{
    private readonly Func<IReadOnlyList<string>> _roots;

    /// <summary>Creates a guard over the roots <paramref name="roots"/> returns (full paths).</summary>
    public PathGuard(Func<IReadOnlyList<string>> roots) => _roots = roots;

    /// <summary>Resolves <paramref name="path"/> (relative to a root, or absolute inside one).</summary>
    /// <param name="path">The argument as the client sent it; <c>/</c> or <c>\</c> separators.</param>
    /// <param name="mustExist">True to refuse a path that does not exist.</param>
    /// <exception cref="PathGuardException">The path is refused; the message says why.</exception>
    public GuardedPath Resolve(string? path, bool mustExist = true)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new PathGuardException("The path is empty.");
        }

        if (path.Any(char.IsControl))
        {
            throw new PathGuardException("The path contains control characters.");
        }

        var roots = _roots();
        if (roots.Count == 0)
        {
            throw new PathGuardException("The server has no workspace root.");
        }

        var normalized = path.Replace('\\', '/');
        if (normalized.StartsWith("file://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(path, UriKind.Absolute, out var uri))
        {
            normalized = uri.LocalPath;
        }

        var segments = normalized.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".."))
        {
            throw new PathGuardException($"'{path}' is refused: '..' segments are not allowed; give a path inside the workspace.");
        }

        GuardedPath? candidate = null;
        if (Path.IsPathRooted(normalized))
        {
            var full = Path.GetFullPath(normalized);
            var root = roots.Where(r => IsInside(full, r)).OrderByDescending(r => r.Length).FirstOrDefault()
                ?? throw new PathGuardException($"'{path}' is outside the workspace roots ({string.Join(", ", roots)}).");
            candidate = Make(root, full);
        }
        else
        {
            foreach (var root in roots)
            {
                var full = Path.GetFullPath(Path.Combine(root, normalized));
                var made = Make(root, full);
                candidate ??= made;
                if (File.Exists(full) || Directory.Exists(full))
                {
                    candidate = made;
                    break;
                }
            }
        }

        var result = candidate!;
        if (result.RelativePath.Split('/').Any(s => s.Equals(".git", StringComparison.OrdinalIgnoreCase)))
        {
            throw new PathGuardException($"'{path}' is refused: .git internals are not served.");
        }

        var real = RealPath(result.FullPath);
        var realRoot = RealPath(result.Root);
        if (!IsInside(real, realRoot))
        {
            throw new PathGuardException($"'{path}' is refused: it is a symbolic link (or lies under one) that leads outside the workspace root.");
        }

        var realRelative = Path.GetRelativePath(realRoot, real).Replace('\\', '/');
        if (realRelative.Split('/').Any(s => s.Equals(".git", StringComparison.OrdinalIgnoreCase)))
        {
            throw new PathGuardException($"'{path}' is refused: it leads into .git internals.");
        }

        if (mustExist && !File.Exists(result.FullPath) && !Directory.Exists(result.FullPath))
        {
            throw new PathGuardException($"'{path}' does not exist in the workspace.");
        }

        return result;
    }

    /// <summary>Resolves <paramref name="path"/> and requires it to be an existing file.</summary>
    /// <exception cref="PathGuardException">Refused, missing, or a folder.</exception>
    public GuardedPath ResolveFile(string? path)
    {
        var resolved = Resolve(path);
        if (!File.Exists(resolved.FullPath))
        {
            throw new PathGuardException($"'{path}' is a folder, not a file.");
        }

        return resolved;
    }

    private static GuardedPath Make(string root, string full)
    {
        if (!IsInside(full, root))
        {
            throw new PathGuardException($"'{full}' is outside the workspace root {root}.");
        }

        var relative = full.Length == root.Length ? "" : Path.GetRelativePath(root, full).Replace('\\', '/');
        return new GuardedPath(root, full, relative);
    }

    /// <summary>True when <paramref name="full"/> is <paramref name="root"/> or lies under it (ordinal, no links resolved).</summary>
    internal static bool IsInside(string full, string root)
    {
        var trimmed = root.TrimEnd(Path.DirectorySeparatorChar);
        return full.Equals(trimmed, StringComparison.Ordinal)
            || full.StartsWith(trimmed + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || trimmed.Length == 0 && full.StartsWith(Path.DirectorySeparatorChar);
    }

    /// <summary>The path with every symbolic link resolved, component by component (missing tails kept as they are).</summary>
    internal static string RealPath(string full)
    {
        // realpath(3) resolves an existing path in one call; a missing tail is resolved here, component by component.
        if (Native.UnixFiles.IsSupported && Native.UnixFiles.RealPath(full) is { } resolved)
        {
            return resolved;
        }

        var root = Path.GetPathRoot(full) ?? "/";
        var current = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (!info.Exists && info.LinkTarget is null)
            {
                // Missing from here on: nothing more to resolve.
                return Path.Combine([next, .. parts[(i + 1)..]]);
            }

            if (info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                next = target is null ? next : Path.GetFullPath(target.FullName);
                // The target may itself contain links in its folders.
                next = next == Path.Combine(current, parts[i]) ? next : RealPath(next);
            }

            current = next;
        }

        return current;
    }
}
