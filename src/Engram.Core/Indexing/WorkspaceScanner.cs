using Engram.Files;
using LibGit2Sharp;

namespace Engram.Core.Indexing;

/// <summary>
/// Lists the files of a workspace root that belong in the index: <c>.gitignore</c> respected through LibGit2Sharp
/// when the root is inside a git repository (a fixed list of build and dependency folders otherwise), <c>.git</c>
/// never entered, directory symlinks never followed, file symlinks only when their target stays inside the root,
/// only regular files (named pipes, devices and sockets skipped), binaries (a NUL byte in the first 8000 bytes, as git
/// decides) and files over the size limit skipped. Files are opened through <see cref="WorkspaceFile"/>.
/// </summary>
/// <remarks>Paths are relative to the root with forward slashes. Thread-safe (repository calls are serialised).
/// Disposing releases the repository handle.</remarks>
public sealed class WorkspaceScanner : IDisposable
{
    private static readonly HashSet<string> s_defaultExcludedFolders = new(StringComparer.Ordinal)
    {
        ".git", ".hg", ".svn", "node_modules", "bin", "obj", "artifacts", ".vs", ".idea", ".vscode-test", "target",
        "dist", "build", "out", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache", ".pytest_cache", ".gradle", ".next",
    };

    private static readonly HashSet<string> s_binaryExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".pdf", ".zip", ".gz", ".tgz", ".7z", ".rar", ".jar",
        ".dll", ".exe", ".so", ".dylib", ".a", ".o", ".obj", ".pdb", ".class", ".wasm", ".gguf", ".onnx", ".bin",
        ".woff", ".woff2", ".ttf", ".otf", ".mp3", ".mp4", ".wav", ".mov", ".db", ".sqlite", ".nupkg", ".snk", ".lock",
    };

    private readonly string _root;
    private readonly Repository? _repository;
    private readonly string _repositoryPrefix;
    private readonly long _maxFileBytes;

    // libgit2 does not promise that one repository handle may be used from several threads at once.
    private readonly Lock _repositoryLock = new();

    /// <summary>Opens a scanner over <paramref name="root"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    public WorkspaceScanner(string root, long maxFileBytes)
    {
        _root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        if (!Directory.Exists(_root))
        {
            throw new DirectoryNotFoundException($"Workspace root '{root}' does not exist.");
        }

        _maxFileBytes = maxFileBytes;
        var gitDir = Repository.Discover(_root);
        if (gitDir is not null)
        {
            _repository = new Repository(gitDir);
            if (_repository.Info.IsBare || _repository.Info.WorkingDirectory is null)
            {
                _repository.Dispose();
                _repository = null;
            }
        }

        _repositoryPrefix = "";
        if (_repository is not null)
        {
            var workdir = Path.GetFullPath(_repository.Info.WorkingDirectory!).TrimEnd(Path.DirectorySeparatorChar);
            _repositoryPrefix = workdir == _root ? "" : Path.GetRelativePath(workdir, _root).Replace('\\', '/') + "/";
        }
    }

    /// <summary>The full path of the root.</summary>
    public string Root => _root;

    /// <summary>Files larger than this many bytes are not indexable.</summary>
    public long MaxFileBytes => _maxFileBytes;

    /// <summary>The repository containing the root, or null when it is not in a git work tree.</summary>
    public Repository? Repository => _repository;

    /// <summary>Path of the root relative to the repository's work tree ("" or ending in '/').</summary>
    public string RepositoryPrefix => _repositoryPrefix;

    /// <summary>All indexable files, relative paths with forward slashes, in ordinal order.</summary>
    public List<string> EnumerateFiles()
    {
        var result = new List<string>();
        Walk(_root, "", result);
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>
    /// True when <paramref name="relativePath"/> names a file that belongs in the index now: it exists, is not
    /// ignored, not under <c>.git</c>, not a symlink escaping the root, not binary and not too large.
    /// </summary>
    public bool IsIndexable(string relativePath)
    {
        var segments = relativePath.Split('/');
        if (segments.Any(s => s is ".git" or "" or "." or ".."))
        {
            return false;
        }

        var full = Path.Combine(_root, relativePath);
        if (!File.Exists(full))
        {
            return false;
        }

        // Every folder on the way must be a real folder (not a symlink) and not excluded.
        var folder = _root;
        var relative = "";
        for (var i = 0; i < segments.Length - 1; i++)
        {
            folder = Path.Combine(folder, segments[i]);
            relative += segments[i] + "/";
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is not null || IsExcludedFolder(segments[i], relative))
            {
                return false;
            }
        }

        return IsIndexableFile(new FileInfo(full), relativePath);
    }

    /// <summary>True when the path is ignored by git (always false outside a repository).</summary>
    public bool IsIgnored(string relativePath)
    {
        if (_repository is null)
        {
            return false;
        }

        lock (_repositoryLock)
        {
            return _repository.Ignore.IsPathIgnored(_repositoryPrefix + relativePath);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _repository?.Dispose();

    private void Walk(string directory, string relative, List<string> result)
    {
        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = new DirectoryInfo(directory).EnumerateFileSystemInfos();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return;
        }

        foreach (var entry in entries)
        {
            var path = relative + entry.Name;
            if (entry is DirectoryInfo dir)
            {
                if (dir.LinkTarget is null && !IsExcludedFolder(entry.Name, path + "/"))
                {
                    Walk(entry.FullName, path + "/", result);
                }
            }
            else if (entry is FileInfo file && IsIndexableFile(file, path))
            {
                result.Add(path);
            }
        }
    }

    private bool IsExcludedFolder(string name, string relativeWithSlash)
    {
        if (name == ".git")
        {
            return true;
        }

        return _repository is null ? s_defaultExcludedFolders.Contains(name) : IsIgnored(relativeWithSlash);
    }

    private bool IsIndexableFile(FileInfo file, string relativePath)
    {
        if (s_binaryExtensions.Contains(file.Extension) || IsIgnored(relativePath))
        {
            return false;
        }

        try
        {
            if (file.LinkTarget is not null)
            {
                var target = file.ResolveLinkTarget(returnFinalTarget: true);
                if (target is null || !target.Exists || !IsInsideRoot(target.FullName))
                {
                    return false;
                }

                file = new FileInfo(target.FullName);
            }

            // Named pipes would block the read, devices never end it, sockets cannot be read: regular files only.
            if (WorkspaceFile.GetKind(file.FullName) != FileKind.RegularFile || file.Length > _maxFileBytes)
            {
                return false;
            }

            return !LooksBinary(file.FullName, _root, _maxFileBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private bool IsInsideRoot(string fullPath) =>
        fullPath.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static bool LooksBinary(string path, string root, long maxFileBytes)
    {
        Span<byte> buffer = stackalloc byte[8000];
        using var stream = WorkspaceFile.OpenRead(path, root, maxFileBytes);
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return buffer[..read].Contains((byte)0);
    }
}
