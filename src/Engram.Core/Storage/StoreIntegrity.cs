using System.Buffers.Binary;
using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Engram.Core.Storage;

/// <summary>
/// The integrity checks <see cref="EngramStore.Open"/> runs before it reads or writes anything: the SQLite header
/// (every open: 100 bytes and the file's length), and <c>PRAGMA quick_check</c> on a read-only connection the first
/// time a process opens a store (and whenever asked). A database that fails is refused with <see cref="Corrupt"/>'s
/// message and is never opened for writing.
/// </summary>
/// <remarks>
/// <para>Why every process and not only after an unclean shutdown: corruption also comes from outside (a disk, a
/// copy, a hand edit), and a check that cheap needs no trigger. quick_check reads every page (≈ 50 ms for a 66 MB index
/// of 19,470 chunks, warm cache; BENCHMARKS.md) and checks the b-tree structure, free list and record formats, but
/// not that indexes match their tables (<c>integrity_check</c> does, at ≈ 2.5 times the cost). A store that passed is
/// remembered for the life of the process, so long-running hosts check each store once; a corruption error seen later
/// makes it forgotten, so the next open checks again. A killed process's <c>-wal</c> file is checked with the rest:
/// the read-only connection sees the committed frames. Thread-safe.</para>
/// </remarks>
internal static class StoreIntegrity
{
    private const int HeaderBytes = 100;
    private static readonly byte[] s_magic = "SQLite format 3\0"u8.ToArray();
    private static readonly ConcurrentDictionary<string, bool> s_verified = new(StringComparer.Ordinal);

    /// <summary>Refuses a file that cannot hold an SQLite database: empty, too short, wrong magic, bad page size, truncated.</summary>
    /// <exception cref="IndexStoreException">The header or the file's length is wrong; the message names the file and the fix.</exception>
    public static void CheckHeader(string path)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        long length;
        int read;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            length = stream.Length;
            read = stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IndexStoreException($"'{path}' cannot be read: {ex.Message} Check its permissions or choose another --index-dir.", ex);
        }

        if (length == 0)
        {
            throw new IndexStoreException($"'{path}' is empty (0 bytes), so it is not an Engram index; it is not taken for a new one. Delete it (an index holds only derived data) and run 'engram index', or choose another --index-dir; it was not modified.");
        }

        if (read < HeaderBytes || !header[..s_magic.Length].SequenceEqual(s_magic))
        {
            throw Corrupt(path, read < HeaderBytes ? $"{length} bytes, too short for an SQLite header" : "the file does not start with the SQLite header");
        }

        int pageSize = BinaryPrimitives.ReadUInt16BigEndian(header[16..]);
        pageSize = pageSize == 1 ? 65536 : pageSize;
        if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0)
        {
            throw Corrupt(path, $"the header's page size {pageSize} is not a power of two from 512 to 65536");
        }

        if (header[21] != 64 || header[22] != 32 || header[23] != 32)
        {
            throw Corrupt(path, "the header's payload fractions are not 64, 32, 32");
        }

        if (length % pageSize != 0)
        {
            throw Corrupt(path, $"{length} bytes is not a whole number of {pageSize}-byte pages: the file was truncated or padded");
        }

        // The page count is valid when the change counter matches "version valid for"; a non-empty WAL may hold the
        // pages of a checkpoint that was cut short, so a short file is only wrong without one.
        var changeCounter = BinaryPrimitives.ReadUInt32BigEndian(header[24..]);
        var validFor = BinaryPrimitives.ReadUInt32BigEndian(header[92..]);
        var pages = BinaryPrimitives.ReadUInt32BigEndian(header[28..]);
        if (changeCounter == validFor && pages > 0 && pages * (long)pageSize > length && !HasFrames(path))
        {
            throw Corrupt(path, $"the header counts {pages} pages of {pageSize} bytes ({pages * (long)pageSize} bytes) but the file has {length}: it was truncated");
        }
    }

    /// <summary>True when <see cref="QuickCheck"/> should run before <paramref name="path"/> is used: not yet checked by this process, or asked for.</summary>
    /// <param name="path">Full path of an existing database.</param>
    /// <param name="verify">The caller asked for a check (<c>engram status</c>, <c>engram doctor</c>).</param>
    public static bool NeedsQuickCheck(string path, bool verify) => verify || !s_verified.ContainsKey(path);

    /// <summary>Runs <c>PRAGMA quick_check</c> on a read-only connection (which never writes the file, not even a checkpoint).</summary>
    /// <exception cref="IndexStoreException">The check found a problem or the file cannot be read as SQLite.</exception>
    public static void QuickCheck(string path)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        var problems = new List<string>();
        try
        {
            using var connection = new SqliteConnection(builder.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check(5)";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                problems.Add(reader.GetString(0));
            }
        }
        catch (SqliteException ex)
        {
            throw Corrupt(path, ex.Message, ex);
        }

        if (problems is not ["ok"])
        {
            // Rows may hold several lines; keep the first few problems on one line.
            var lines = problems.SelectMany(p => p.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Where(l => !l.StartsWith("***", StringComparison.Ordinal))
                .ToList();
            throw Corrupt(path, "PRAGMA quick_check: " + string.Join("; ", lines.Take(3)) + (lines.Count > 3 ? $"; and {lines.Count - 3} more" : ""));
        }

        s_verified[path] = true;
    }

    /// <summary>True when <paramref name="ex"/> says the database file is corrupt or not a database.</summary>
    public static bool IsCorruption(SqliteException ex) => (ex.SqliteErrorCode & 0xff) is 11 or 26;

    /// <summary>
    /// The refusal of a corrupt database: names the file, what is wrong and the fix. Forgets that the store was
    /// checked, so that the next open in this process checks it again.
    /// </summary>
    /// <param name="path">The database file.</param>
    /// <param name="detail">What is wrong, without a final period.</param>
    /// <param name="innerException">The SQLite error, if any.</param>
    /// <param name="untouched">False when the error came up after writes had begun (then the message does not promise the file is unchanged).</param>
    public static IndexStoreException Corrupt(string path, string detail, Exception? innerException = null, bool untouched = true)
    {
        s_verified.TryRemove(path, out _);
        return new IndexStoreException(
            $"'{path}' is corrupt ({detail.TrimEnd('.')}). Move it aside (or delete it: an index holds only derived data) and run 'engram index' to rebuild it{(untouched ? "; it was not modified." : ".")}",
            innerException);
    }

    private static bool HasFrames(string path)
    {
        var wal = new FileInfo(path + "-wal");
        return wal.Exists && wal.Length > 0;
    }
}
