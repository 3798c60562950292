using System.IO.Hashing;
using System.Text;

namespace Engram.Core.Storage;

/// <summary>Where the index of a workspace root lives on disk.</summary>
public static class IndexLocation
{
    /// <summary>File name of the SQLite database inside an index directory.</summary>
    public const string DatabaseFileName = "engram.db";

    /// <summary>
    /// The default index directory of <paramref name="root"/>: <c>$XDG_CACHE_HOME/engram/indexes/NAME-HASH</c>
    /// (falling back to <c>~/.cache</c>), where NAME is the root folder's name and HASH 16 hex digits of
    /// XxHash64 over its full path. Outside the working tree, so indexing never dirties the repository.
    /// </summary>
    public static string DefaultDirectory(string root)
    {
        var fullPath = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        var cacheHome = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrWhiteSpace(cacheHome))
        {
            cacheHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }

        var hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(fullPath)).ToString("x16");
        var name = Path.GetFileName(fullPath);
        if (string.IsNullOrEmpty(name))
        {
            name = "root";
        }

        return Path.Combine(cacheHome, "engram", "indexes", $"{Sanitize(name)}-{hash}");
    }

    /// <summary>The database path for <paramref name="root"/>: inside <paramref name="indexDirectory"/> when given, else the default directory.</summary>
    public static string DatabasePath(string root, string? indexDirectory) =>
        Path.Combine(indexDirectory ?? DefaultDirectory(root), DatabaseFileName);

    private static string Sanitize(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        return new string(chars);
    }
}
