using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Engram.Core.Chunking;
using Engram.Core.Hypervectors;
using Microsoft.Data.Sqlite;

namespace Engram.Core.Storage;

/// <summary>
/// The SQLite database of one workspace root: files, chunks with their hypervectors and terms, embeddings shared
/// by content hash, bundle accumulators per file and folder and for the root, and document frequencies.
/// </summary>
/// <remarks>
/// <para>Invariants: every batch of file updates is one transaction, so a crash (kill -9) at any point leaves the
/// database as it was before or after a whole batch; bundles are only ever updated algebraically
/// (<c>bundle − old + new</c>), so after any sequence of updates every folder bundle equals the sum of its files'
/// bundles and the root equals the sum of the folders; <c>indexed_commit</c> is written last, with the final batch.</para>
/// <para>WAL journal; <c>PRAGMA application_id</c> marks the file as Engram's and <c>PRAGMA user_version</c> is the
/// schema version. Not thread-safe: one writer at a time; readers use their own instance.</para>
/// </remarks>
public sealed partial class EngramStore : IDisposable
{
    /// <summary>The <c>PRAGMA application_id</c> of Engram databases ("ENGR").</summary>
    public const int ApplicationId = 0x454E4752;

    /// <summary>The schema version this build writes.</summary>
    public const int SchemaVersion = 2;

    private const string RootFolderKey = "";

    private static readonly string[][] s_migrations =
    [
        // Version 1.
        [
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE files(
              id INTEGER PRIMARY KEY,
              path TEXT NOT NULL UNIQUE,
              folder TEXT NOT NULL,
              content_hash TEXT NOT NULL,
              size INTEGER NOT NULL,
              modified_ticks INTEGER NOT NULL,
              indexed_commit TEXT,
              bundle BLOB NOT NULL)
            """,
            """
            CREATE TABLE chunks(
              id INTEGER PRIMARY KEY,
              file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
              start_line INTEGER NOT NULL,
              end_line INTEGER NOT NULL,
              kind TEXT NOT NULL,
              symbol TEXT,
              container TEXT,
              doc TEXT,
              code TEXT NOT NULL,
              content_hash TEXT NOT NULL,
              hv BLOB NOT NULL,
              terms TEXT NOT NULL,
              length INTEGER NOT NULL)
            """,
            "CREATE INDEX chunks_file ON chunks(file_id)",
            "CREATE INDEX chunks_hash ON chunks(content_hash)",
            "CREATE TABLE embeddings(content_hash TEXT PRIMARY KEY, vector BLOB NOT NULL, added INTEGER NOT NULL)",
            "CREATE INDEX embeddings_added ON embeddings(added)",
            "CREATE TABLE folders(path TEXT PRIMARY KEY, bundle BLOB NOT NULL) WITHOUT ROWID",
            "CREATE TABLE terms(term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID",
        ],
        // Version 2: the code graph (see EngramStore.Graph.cs). A version-1 index gains empty tables here and no
        // graph_version meta, so the indexer rebuilds it once (embeddings are reused by content hash).
        [
            """
            CREATE TABLE symbols(
              id INTEGER PRIMARY KEY,
              key TEXT NOT NULL,
              name TEXT NOT NULL,
              name_path TEXT NOT NULL,
              kind TEXT NOT NULL,
              path TEXT NOT NULL,
              start_line INTEGER NOT NULL,
              end_line INTEGER NOT NULL,
              selection_line INTEGER NOT NULL,
              signature TEXT NOT NULL,
              doc TEXT,
              parent TEXT)
            """,
            "CREATE INDEX symbols_key ON symbols(key)",
            "CREATE INDEX symbols_name ON symbols(name)",
            "CREATE INDEX symbols_path ON symbols(path)",
            "CREATE INDEX symbols_parent ON symbols(parent)",
            """
            CREATE TABLE edges(
              id INTEGER PRIMARY KEY,
              path TEXT NOT NULL,
              from_key TEXT,
              line INTEGER NOT NULL,
              col INTEGER NOT NULL,
              to_key TEXT NOT NULL,
              kind TEXT NOT NULL,
              resolved INTEGER NOT NULL)
            """,
            "CREATE INDEX edges_to ON edges(to_key)",
            "CREATE INDEX edges_path ON edges(path)",
        ],
    ];

    private readonly SqliteConnection _connection;
    private readonly int _dimension;

    private EngramStore(SqliteConnection connection, string path, int dimension)
    {
        _connection = connection;
        DatabasePath = path;
        _dimension = dimension;
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Bits per hypervector in this store.</summary>
    public int Dimension => _dimension;

    /// <summary>
    /// Opens (and with <paramref name="create"/>, creates) the database at <paramref name="path"/>, applying
    /// schema migrations.
    /// </summary>
    /// <param name="path">The database file.</param>
    /// <param name="dimension">Hypervector bits; must match an existing store's.</param>
    /// <param name="create">Create the file (and its folder) when missing; the caller will write to it.</param>
    /// <param name="verify">Run <c>PRAGMA quick_check</c> even when this process checked the store before.</param>
    /// <remarks>An existing file is checked before anything reads or writes it: its SQLite header on every open (an
    /// empty file is refused, never taken for a new index), and <c>PRAGMA quick_check</c> on a read-only connection the
    /// first time a process opens it (see <see cref="StoreIntegrity"/>). A new database is built under a temporary
    /// name and renamed into place, so a crash never leaves a half-made one.</remarks>
    /// <exception cref="IndexStoreException">The file is missing (without <paramref name="create"/>), is empty, is not a
    /// SQLite database, is corrupt or truncated, belongs to another application, has a newer schema, or has another
    /// dimension; the message names the file and the fix, and the file was not modified.</exception>
    public static EngramStore Open(string path, int dimension, bool create, bool verify = false)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            if (!create)
            {
                throw new IndexStoreException($"No index at '{path}'. Run 'engram index' first.");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            CreateNew(path);
        }
        else
        {
            StoreIntegrity.CheckHeader(path);
            if (StoreIntegrity.NeedsQuickCheck(path, verify))
            {
                StoreIntegrity.QuickCheck(path);
            }
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            var applicationId = Convert.ToInt32(Scalar(connection, "PRAGMA application_id"), CultureInfo.InvariantCulture);
            var userVersion = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
            var tableCount = Convert.ToInt32(Scalar(connection, "SELECT count(*) FROM sqlite_master"), CultureInfo.InvariantCulture);
            if (applicationId != ApplicationId && (applicationId != 0 || tableCount != 0))
            {
                throw new IndexStoreException($"'{path}' is not an Engram index (application_id {applicationId:x}); refusing to touch it. Choose another --index-dir.");
            }

            if (userVersion > SchemaVersion)
            {
                throw new IndexStoreException($"'{path}' has schema version {userVersion}, newer than this Engram's {SchemaVersion}. Upgrade Engram or choose another --index-dir.");
            }

            Execute(connection, "PRAGMA journal_mode=WAL");
            Execute(connection, "PRAGMA synchronous=NORMAL");
            Execute(connection, "PRAGMA foreign_keys=ON");
            Execute(connection, "PRAGMA busy_timeout=5000");
            Migrate(connection, userVersion);
            var store = new EngramStore(connection, path, dimension);
            var storedDimension = store.GetMeta("dimension");
            if (storedDimension is null)
            {
                store.SetMeta("dimension", dimension.ToString(CultureInfo.InvariantCulture));
            }
            else if (storedDimension != dimension.ToString(CultureInfo.InvariantCulture))
            {
                connection.Dispose();
                throw new IndexStoreException($"'{path}' holds {storedDimension}-bit hypervectors; this Engram uses {dimension}. Delete that index folder (it holds only derived data) or choose another --index-dir.");
            }

            return store;
        }
        catch (SqliteException ex) when (StoreIntegrity.IsCorruption(ex))
        {
            connection.Dispose();
            throw StoreIntegrity.Corrupt(path, ex.Message, ex);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new IndexStoreException($"'{path}' is not a readable Engram index: {ex.Message} Move it aside or choose another --index-dir; it was not modified.", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // Builds an empty database of the current schema beside `path` and renames it into place (no-clobber: a store
    // another process created first wins), so `path` never exists half-made or empty.
    private static void CreateNew(string path)
    {
        var temporary = $"{path}.creating-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            var builder = new SqliteConnectionStringBuilder { DataSource = temporary, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
            using (var connection = new SqliteConnection(builder.ToString()))
            {
                connection.Open();
                Execute(connection, "PRAGMA journal_mode=WAL");
                Migrate(connection, 0);
            }

            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Created by another process meanwhile: use that one.
        }
        catch (SqliteException ex)
        {
            throw new IndexStoreException($"Cannot create an index at '{path}': {ex.Message}", ex);
        }
        finally
        {
            foreach (var leftover in new[] { temporary, temporary + "-wal", temporary + "-shm" })
            {
                File.Delete(leftover);
            }
        }
    }

    /// <summary>Reads a metadata value, or null.</summary>
    public string? GetMeta(string key)
    {
        using var command = Command("SELECT value FROM meta WHERE key = $key");
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Writes a metadata value in its own transaction.</summary>
    public void SetMeta(string key, string value)
    {
        using var transaction = _connection.BeginTransaction();
        SetMeta(key, value, transaction);
        transaction.Commit();
    }

    /// <summary>All indexed files by relative path.</summary>
    public Dictionary<string, StoredFile> LoadFiles()
    {
        var files = new Dictionary<string, StoredFile>(StringComparer.Ordinal);
        using var command = Command("SELECT path, content_hash, size, modified_ticks, indexed_commit FROM files");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var file = ReadFile(reader, 0);
            files[file.Path] = file;
        }

        return files;
    }

    /// <summary>The stored embeddings among <paramref name="contentHashes"/>, by content hash.</summary>
    public Dictionary<string, float[]> GetEmbeddings(IReadOnlyCollection<string> contentHashes)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using var command = Command("SELECT vector FROM embeddings WHERE content_hash = $hash");
        var parameter = command.Parameters.Add("$hash", SqliteType.Text);
        foreach (var hash in contentHashes)
        {
            parameter.Value = hash;
            if (command.ExecuteScalar() is byte[] blob)
            {
                result[hash] = DecodeEmbedding(blob);
            }
        }

        return result;
    }

    /// <summary>
    /// Applies file updates, new embeddings and metadata in one transaction, updating file, folder and root
    /// bundles and document frequencies algebraically.
    /// </summary>
    /// <param name="updates">Files to write or delete; each path at most once.</param>
    /// <param name="embeddings">Embeddings to add, by content hash (existing hashes are kept).</param>
    /// <param name="meta">Metadata to set in the same transaction, or null.</param>
    /// <param name="graphs">Code-graph rows replacing those of each named path, in the same transaction, or null.</param>
    public void ApplyBatch(
        IReadOnlyList<FileUpdate> updates,
        IReadOnlyDictionary<string, float[]> embeddings,
        IReadOnlyDictionary<string, string>? meta = null,
        IReadOnlyList<Graph.FileGraph>? graphs = null)
    {
        using var transaction = _connection.BeginTransaction();
        var folders = new Dictionary<string, BundleAccumulator>(StringComparer.Ordinal);
        var dfDelta = new Dictionary<string, int>(StringComparer.Ordinal);
        var root = GetFolderBundle(RootFolderKey, transaction) ?? new BundleAccumulator(_dimension);

        foreach (var (hash, vector) in embeddings)
        {
            using var insert = Command("INSERT OR IGNORE INTO embeddings(content_hash, vector, added) VALUES ($hash, $vector, $added)", transaction);
            insert.Parameters.AddWithValue("$hash", hash);
            insert.Parameters.AddWithValue("$vector", EncodeEmbedding(vector));
            insert.Parameters.AddWithValue("$added", DateTime.UtcNow.Ticks);
            insert.ExecuteNonQuery();
        }

        foreach (var update in updates)
        {
            RemoveFile(update.Path, folders, root, dfDelta, transaction);
            if (update.File is not null && update.Chunks is not null)
            {
                AddFile(update.File, update.Chunks, folders, root, dfDelta, transaction);
            }
        }

        foreach (var (path, bundle) in folders)
        {
            WriteFolderBundle(path, bundle, transaction);
        }

        WriteFolderBundle(RootFolderKey, root, transaction);
        ApplyDocumentFrequencies(dfDelta, transaction);
        if (graphs is not null)
        {
            WriteGraphs(graphs, transaction);
        }

        if (meta is not null)
        {
            foreach (var (key, value) in meta)
            {
                SetMeta(key, value, transaction);
            }
        }

        transaction.Commit();
    }

    /// <summary>
    /// Deletes the oldest embeddings that no chunk refers to any more, keeping the newest
    /// <paramref name="keepUnused"/> of them so that switching back to a recent branch re-embeds nothing.
    /// Returns how many were deleted.
    /// </summary>
    public int DeleteUnusedEmbeddings(int keepUnused)
    {
        using var command = Command("""
            DELETE FROM embeddings WHERE rowid IN (
              SELECT rowid FROM embeddings WHERE content_hash NOT IN (SELECT content_hash FROM chunks)
              ORDER BY added DESC LIMIT -1 OFFSET $keep)
            """);
        command.Parameters.AddWithValue("$keep", Math.Max(0, keepUnused));
        return command.ExecuteNonQuery();
    }

    /// <summary>The bundle of the root (all folders), or an empty bundle when nothing is indexed.</summary>
    public BundleAccumulator GetRootBundle() => GetFolderBundle(RootFolderKey, null) ?? new BundleAccumulator(_dimension);

    /// <summary>The bundle of the files directly in <paramref name="folder"/> (relative, forward slashes; "." for files at
    /// the root; see <see cref="FolderOf"/>), or null when no indexed file is there.</summary>
    /// <exception cref="ArgumentException"><paramref name="folder"/> is empty: use <see cref="GetRootBundle"/>.</exception>
    public BundleAccumulator? GetFolderBundle(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return GetFolderBundle(folder, null);
    }

    /// <summary>All folder bundles by relative folder path ("." for files at the root), excluding the root bundle.</summary>
    public Dictionary<string, BundleAccumulator> LoadFolderBundles()
    {
        var result = new Dictionary<string, BundleAccumulator>(StringComparer.Ordinal);
        using var command = Command("SELECT path, bundle FROM folders WHERE path <> ''");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result[reader.GetString(0)] = BundleAccumulator.FromBytes((byte[])reader[1], _dimension);
        }

        return result;
    }

    /// <summary>The bundle of one file's chunks, or null when the file is not indexed.</summary>
    public BundleAccumulator? GetFileBundle(string path)
    {
        using var command = Command("SELECT bundle FROM files WHERE path = $path");
        command.Parameters.AddWithValue("$path", path);
        return command.ExecuteScalar() is byte[] blob ? BundleAccumulator.FromBytes(blob, _dimension) : null;
    }

    /// <summary>
    /// Reads every chunk's row id and hypervector into one contiguous array (chunk i occupies words
    /// <c>[i × W, (i + 1) × W)</c>), plus corpus statistics for BM25.
    /// </summary>
    public (long[] Ids, ulong[] Hypervectors, Dictionary<string, int> DocumentFrequencies, double AverageLength) LoadSearchData()
    {
        var words = _dimension / 64;
        var ids = new List<long>();
        var vectors = new List<ulong>();
        long totalLength = 0;
        using (var command = Command("SELECT id, hv, length FROM chunks ORDER BY id"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                ids.Add(reader.GetInt64(0));
                var blob = (byte[])reader[1];
                vectors.AddRange(MemoryMarshal.Cast<byte, ulong>(blob)[..words]);
                totalLength += reader.GetInt64(2);
            }
        }

        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var command = Command("SELECT term, df FROM terms"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                df[reader.GetString(0)] = reader.GetInt32(1);
            }
        }

        return (ids.ToArray(), vectors.ToArray(), df, ids.Count == 0 ? 0 : (double)totalLength / ids.Count);
    }

    /// <summary>Loads the chunks with the given row ids (missing ids are skipped, order not kept), for re-ranking.</summary>
    public List<CandidateChunk> LoadCandidates(IReadOnlyList<long> ids)
    {
        var result = new List<CandidateChunk>(ids.Count);
        // One statement for all candidates: the ids travel as a JSON array.
        using var command = Command("""
            SELECT c.id, f.path, c.start_line, c.end_line, c.kind, c.symbol, c.container, e.vector, c.terms, c.length,
                   f.content_hash, f.size, f.modified_ticks, f.indexed_commit
            FROM chunks c JOIN files f ON f.id = c.file_id LEFT JOIN embeddings e ON e.content_hash = c.content_hash
            WHERE c.id IN (SELECT value FROM json_each($ids))
            """);
        command.Parameters.AddWithValue("$ids", "[" + string.Join(',', ids) + "]");
        using var reader = command.ExecuteReader();
        var files = new Dictionary<string, StoredFile>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var path = reader.GetString(1);
            if (!files.TryGetValue(path, out var file))
            {
                file = new StoredFile(path, reader.GetString(10), reader.GetInt64(11), reader.GetInt64(12), reader.IsDBNull(13) ? null : reader.GetString(13));
                files[path] = file;
            }

            result.Add(new CandidateChunk(
                reader.GetInt64(0),
                path,
                reader.GetInt32(2),
                reader.GetInt32(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? [] : DecodeEmbedding((byte[])reader[7]),
                DecodeTerms(reader.GetString(8)),
                reader.GetInt32(9),
                file));
        }

        return result;
    }

    /// <summary>The stored code and doc comment of a chunk, or null when it no longer exists.</summary>
    public (string Code, string? Doc)? LoadChunkText(long id)
    {
        using var command = Command("SELECT code, doc FROM chunks WHERE id = $id");
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
    }

    /// <summary>The chunks of one file in line order (without hypervectors), or an empty list.</summary>
    public List<Chunk> LoadChunks(string path)
    {
        var result = new List<Chunk>();
        using var command = Command("""
            SELECT c.start_line, c.end_line, c.kind, c.symbol, c.container, c.doc, c.code
            FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path = $path ORDER BY c.start_line, c.id
            """);
        command.Parameters.AddWithValue("$path", path);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new Chunk(path, reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6)));
        }

        return result;
    }

    /// <summary>Counts and sizes for status reports.</summary>
    public StoreStatistics GetStatistics()
    {
        int Count(string table) => Convert.ToInt32(Scalar(_connection, $"SELECT count(*) FROM {table}"), CultureInfo.InvariantCulture);
        var bytes = new FileInfo(DatabasePath).Length;
        var wal = new FileInfo(DatabasePath + "-wal");
        if (wal.Exists)
        {
            bytes += wal.Length;
        }

        var last = GetMeta("last_indexed_utc");
        return new StoreStatistics(
            DatabasePath,
            bytes,
            Count("files"),
            Count("chunks"),
            Count("embeddings"),
            Math.Max(0, Count("folders") - 1),
            GetMeta("indexed_commit"),
            GetMeta("encoder_version"),
            GetMeta("embedding_model"),
            last is null ? null : DateTimeOffset.Parse(last, CultureInfo.InvariantCulture));
    }

    /// <summary>Deletes every file, chunk, bundle and term (embeddings are kept for reuse) in one transaction.</summary>
    public void Clear()
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var sql in new[] { "DELETE FROM chunks", "DELETE FROM files", "DELETE FROM folders", "DELETE FROM terms", "DELETE FROM symbols", "DELETE FROM edges", "DELETE FROM meta WHERE key IN ('indexed_commit', 'graph_version')" })
        {
            using var command = Command(sql, transaction);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();

    /// <summary>The folder key of a relative file path: its parent folder, or "." for files at the root.</summary>
    public static string FolderOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "." : path[..slash];
    }

    private void RemoveFile(string path, Dictionary<string, BundleAccumulator> folders, BundleAccumulator root, Dictionary<string, int> dfDelta, SqliteTransaction transaction)
    {
        long id;
        BundleAccumulator bundle;
        using (var select = Command("SELECT id, bundle FROM files WHERE path = $path", transaction))
        {
            select.Parameters.AddWithValue("$path", path);
            using var reader = select.ExecuteReader();
            if (!reader.Read())
            {
                return;
            }

            id = reader.GetInt64(0);
            bundle = BundleAccumulator.FromBytes((byte[])reader[1], _dimension);
        }

        using (var terms = Command("SELECT terms FROM chunks WHERE file_id = $id", transaction))
        {
            terms.Parameters.AddWithValue("$id", id);
            using var reader = terms.ExecuteReader();
            while (reader.Read())
            {
                foreach (var term in DecodeTerms(reader.GetString(0)).Keys)
                {
                    dfDelta[term] = dfDelta.GetValueOrDefault(term) - 1;
                }
            }
        }

        var folder = Folder(FolderOf(path), folders, transaction);
        folder.Add(bundle, -1);
        root.Add(bundle, -1);
        using var delete = Command("DELETE FROM files WHERE id = $id", transaction);
        delete.Parameters.AddWithValue("$id", id);
        delete.ExecuteNonQuery();
    }

    private void AddFile(StoredFile file, IReadOnlyList<EncodedChunk> chunks, Dictionary<string, BundleAccumulator> folders, BundleAccumulator root, Dictionary<string, int> dfDelta, SqliteTransaction transaction)
    {
        var bundle = new BundleAccumulator(_dimension);
        foreach (var chunk in chunks)
        {
            bundle.Add(chunk.Hypervector);
        }

        long fileId;
        using (var insert = Command("""
            INSERT INTO files(path, folder, content_hash, size, modified_ticks, indexed_commit, bundle)
            VALUES ($path, $folder, $hash, $size, $ticks, $commit, $bundle) RETURNING id
            """, transaction))
        {
            insert.Parameters.AddWithValue("$path", file.Path);
            insert.Parameters.AddWithValue("$folder", FolderOf(file.Path));
            insert.Parameters.AddWithValue("$hash", file.ContentHash);
            insert.Parameters.AddWithValue("$size", file.Size);
            insert.Parameters.AddWithValue("$ticks", file.ModifiedTicks);
            insert.Parameters.AddWithValue("$commit", (object?)file.IndexedCommit ?? DBNull.Value);
            insert.Parameters.AddWithValue("$bundle", bundle.ToBytes());
            fileId = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        using var insertChunk = Command("""
            INSERT INTO chunks(file_id, start_line, end_line, kind, symbol, container, doc, code, content_hash, hv, terms, length)
            VALUES ($file, $start, $end, $kind, $symbol, $container, $doc, $code, $hash, $hv, $terms, $length)
            """, transaction);
        foreach (var encoded in chunks)
        {
            var chunk = encoded.Chunk;
            insertChunk.Parameters.Clear();
            insertChunk.Parameters.AddWithValue("$file", fileId);
            insertChunk.Parameters.AddWithValue("$start", chunk.StartLine);
            insertChunk.Parameters.AddWithValue("$end", chunk.EndLine);
            insertChunk.Parameters.AddWithValue("$kind", chunk.Kind);
            insertChunk.Parameters.AddWithValue("$symbol", (object?)chunk.Symbol ?? DBNull.Value);
            insertChunk.Parameters.AddWithValue("$container", (object?)chunk.Container ?? DBNull.Value);
            insertChunk.Parameters.AddWithValue("$doc", (object?)chunk.DocComment ?? DBNull.Value);
            insertChunk.Parameters.AddWithValue("$code", chunk.Code);
            insertChunk.Parameters.AddWithValue("$hash", encoded.ContentHash);
            insertChunk.Parameters.AddWithValue("$hv", MemoryMarshal.AsBytes(encoded.Hypervector.AsSpan()).ToArray());
            insertChunk.Parameters.AddWithValue("$terms", EncodeTerms(encoded.Terms));
            insertChunk.Parameters.AddWithValue("$length", encoded.Terms.Values.Sum());
            insertChunk.ExecuteNonQuery();
            foreach (var term in encoded.Terms.Keys)
            {
                dfDelta[term] = dfDelta.GetValueOrDefault(term) + 1;
            }
        }

        var folder = Folder(FolderOf(file.Path), folders, transaction);
        folder.Add(bundle);
        root.Add(bundle);
    }

    private BundleAccumulator Folder(string path, Dictionary<string, BundleAccumulator> folders, SqliteTransaction transaction)
    {
        if (!folders.TryGetValue(path, out var bundle))
        {
            bundle = GetFolderBundle(path, transaction) ?? new BundleAccumulator(_dimension);
            folders[path] = bundle;
        }

        return bundle;
    }

    private BundleAccumulator? GetFolderBundle(string path, SqliteTransaction? transaction)
    {
        using var command = Command("SELECT bundle FROM folders WHERE path = $path", transaction);
        command.Parameters.AddWithValue("$path", path);
        return command.ExecuteScalar() is byte[] blob ? BundleAccumulator.FromBytes(blob, _dimension) : null;
    }

    private void WriteFolderBundle(string path, BundleAccumulator bundle, SqliteTransaction transaction)
    {
        using var command = bundle.Count == 0 && path != RootFolderKey
            ? Command("DELETE FROM folders WHERE path = $path", transaction)
            : Command("INSERT INTO folders(path, bundle) VALUES ($path, $bundle) ON CONFLICT(path) DO UPDATE SET bundle = excluded.bundle", transaction);
        command.Parameters.AddWithValue("$path", path);
        command.Parameters.AddWithValue("$bundle", bundle.ToBytes());
        command.ExecuteNonQuery();
    }

    private void ApplyDocumentFrequencies(Dictionary<string, int> dfDelta, SqliteTransaction transaction)
    {
        using var upsert = Command("INSERT INTO terms(term, df) VALUES ($term, $delta) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df", transaction);
        var term = upsert.Parameters.Add("$term", SqliteType.Text);
        var delta = upsert.Parameters.Add("$delta", SqliteType.Integer);
        foreach (var (key, value) in dfDelta)
        {
            if (value == 0)
            {
                continue;
            }

            term.Value = key;
            delta.Value = value;
            upsert.ExecuteNonQuery();
        }

        using var prune = Command("DELETE FROM terms WHERE df <= 0", transaction);
        prune.ExecuteNonQuery();
    }

    private void SetMeta(string key, string value, SqliteTransaction transaction)
    {
        using var command = Command("INSERT INTO meta(key, value) VALUES ($key, $value) ON CONFLICT(key) DO UPDATE SET value = excluded.value", transaction);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static StoredFile ReadFile(SqliteDataReader reader, int offset) => new(
        reader.GetString(offset),
        reader.GetString(offset + 1),
        reader.GetInt64(offset + 2),
        reader.GetInt64(offset + 3),
        reader.IsDBNull(offset + 4) ? null : reader.GetString(offset + 4));

    private static void Migrate(SqliteConnection connection, int fromVersion)
    {
        for (var version = fromVersion; version < SchemaVersion; version++)
        {
            using var transaction = connection.BeginTransaction();
            foreach (var sql in s_migrations[version])
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = sql;
                command.ExecuteNonQuery();
            }

            using (var pragma = connection.CreateCommand())
            {
                pragma.Transaction = transaction;
                pragma.CommandText = $"PRAGMA user_version = {version + 1}; PRAGMA application_id = {ApplicationId}";
                pragma.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Rounds an embedding to the precision the store keeps (IEEE half floats, 2 bytes per dimension; cosine error
    /// below 1e-3), so that values computed now equal values read back later.
    /// </summary>
    public static float[] RoundToStoredPrecision(ReadOnlySpan<float> vector)
    {
        var result = new float[vector.Length];
        for (var i = 0; i < vector.Length; i++)
        {
            result[i] = (float)(Half)vector[i];
        }

        return result;
    }

    // Embeddings are stored as IEEE half floats: 2 bytes per dimension; cosine error < 1e-3.
    private static byte[] EncodeEmbedding(float[] vector)
    {
        var halves = new Half[vector.Length];
        for (var i = 0; i < vector.Length; i++)
        {
            halves[i] = (Half)vector[i];
        }

        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }

    private static float[] DecodeEmbedding(byte[] blob)
    {
        var halves = MemoryMarshal.Cast<byte, Half>(blob);
        var vector = new float[halves.Length];
        for (var i = 0; i < halves.Length; i++)
        {
            vector[i] = (float)halves[i];
        }

        return vector;
    }

    // Terms are stored as "term count" pairs, one per line; terms never contain white space.
    private static string EncodeTerms(IReadOnlyDictionary<string, int> terms)
    {
        var builder = new StringBuilder();
        foreach (var (term, count) in terms.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            builder.Append(term).Append(' ').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return builder.ToString();
    }

    private static Dictionary<string, int> DecodeTerms(string text)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var space = line.IndexOf(' ');
            if (space > 0)
            {
                result[line[..space].ToString()] = int.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return result;
    }
}
