using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Engram.Core.Chunking;
using Engram.Core.Graph;
using Engram.Core.Hypervectors;
using Engram.Core.Storage;
using Engram.Files;
using LibGit2Sharp;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engram.Core.Indexing;

/// <summary>
/// Builds and incrementally updates the engram index of one workspace root.
/// </summary>
/// <remarks>
/// <para>Change detection: inside git, the files to examine are the diff of the indexed commit's tree against
/// HEAD (LibGit2Sharp), the working tree's modified, deleted and untracked files, and the files that were dirty at
/// the previous update; outside git, on the first build, when the indexed commit no longer exists, or when a
/// <c>.gitignore</c> changed, every file is examined, with size and modification
/// time as a fast path before hashing. A file whose content hash is unchanged is never re-chunked; a chunk whose
/// content hash (see <see cref="ChunkEncoding"/>) is already stored is never re-embedded — moving a file to another
/// folder re-embeds nothing.</para>
/// <para>Crash safety: work is committed in batches of files, each one SQLite transaction; the indexed commit is
/// written last. A killed update leaves a consistent database and the next update resumes: it finds the same
/// files to examine and skips those already written.</para>
/// <para>One update at a time per database; not thread-safe.</para>
/// </remarks>
public sealed class EngramIndexer
{
    private const int EmbeddingBatch = 64;

    // Embeddings no chunk uses any more are kept up to this many (or half the chunk count), newest first, so that
    // switching back to a recent branch or undoing an edit re-embeds nothing.
    private const int UnusedEmbeddingsKept = 4096;
    private readonly HypervectorEncoder _encoder;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embedder;
    private readonly string _modelId;
    private readonly ILogger _logger;

    /// <summary>Creates an indexer.</summary>
    /// <param name="encoder">The hypervector encoder.</param>
    /// <param name="embedder">Sentence embedder for semantic evidence, or null for a lexical-only index.</param>
    /// <param name="logger">Where progress and skipped files are logged (never stdout), or null.</param>
    public EngramIndexer(HypervectorEncoder encoder, IEmbeddingGenerator<string, Embedding<float>>? embedder, ILogger? logger = null)
    {
        _encoder = encoder;
        _embedder = embedder;
        _modelId = EmbeddingModelId(embedder);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The id recorded for an embedder: its metadata's model id, <c>none</c> without one.</summary>
    public static string EmbeddingModelId(IEmbeddingGenerator<string, Embedding<float>>? embedder) =>
        embedder is null ? "none" : embedder.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? embedder.GetType().Name;

    /// <summary>
    /// Builds or updates the index of <paramref name="root"/> in the database at <paramref name="databasePath"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="IndexStoreException">The database cannot be used (see <see cref="EngramStore.Open"/>).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; whole batches already committed are kept.</exception>
    public async Task<IndexReport> IndexAsync(
        string root,
        string databasePath,
        IndexOptions? options = null,
        IProgress<IndexProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            return await IndexCoreAsync(root, databasePath, options, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (StoreIntegrity.IsCorruption(ex))
        {
            // Open checked the store before writing (quick_check); what it cannot see stops the update here.
            throw StoreIntegrity.Corrupt(Path.GetFullPath(databasePath), ex.Message, ex, untouched: false);
        }
    }

    private async Task<IndexReport> IndexCoreAsync(string root, string databasePath, IndexOptions? options, IProgress<IndexProgress>? progress, CancellationToken cancellationToken)
    {
        options ??= IndexOptions.Default;
        var stopwatch = Stopwatch.StartNew();
        using var scanner = new WorkspaceScanner(root, options.MaxFileBytes);
        using var store = EngramStore.Open(databasePath, _encoder.Dimension, create: true);

        var rebuild = options.Rebuild;
        var storedEncoder = store.GetMeta("encoder_version");
        var storedModel = store.GetMeta("embedding_model");
        if ((storedEncoder is not null && storedEncoder != _encoder.Settings.Version) || (storedModel is not null && storedModel != _modelId))
        {
            _logger.LogInformation("Index was built with encoder {Encoder} and model {Model}; rebuilding for {NewEncoder} and {NewModel}.", storedEncoder, storedModel, _encoder.Settings.Version, _modelId);
            rebuild = true;
        }

        // A store migrated from schema 1, or built by another graph extractor, has no (or another) code graph: rebuild
        // it once; embeddings are reused by content hash, so this re-embeds nothing.
        var storedGraph = store.GetMeta("graph_version");
        if (!rebuild && storedGraph != EngramStore.GraphVersion && store.GetStatistics().Files > 0)
        {
            _logger.LogInformation("Index has code graph version {Stored}; rebuilding for {Current}.", storedGraph ?? "none", EngramStore.GraphVersion);
            rebuild = true;
        }

        if (rebuild)
        {
            store.Clear();
        }

        progress?.Report(new IndexProgress("scanning", 0, 0));
        var stored = store.LoadFiles();
        var head = scanner.Repository?.Head.Tip;
        var dirtyNow = DirtyPaths(scanner);
        var (mode, candidates) = Candidates(scanner, store, stored, head, dirtyNow, rebuild);
        _logger.LogDebug("Examining {Count} files ({Mode}).", candidates.Count, mode);

        var counters = new Counters();
        var commitId = head?.Sha;
        var graph = new Lazy<CSharpGraphBuilder>(() => new CSharpGraphBuilder(scanner.EnumerateFiles(), path => ReadText(scanner, path)));
        for (var start = 0; start < candidates.Count; start += options.BatchFiles)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = candidates.GetRange(start, Math.Min(options.BatchFiles, candidates.Count - start));
            await ProcessBatchAsync(scanner, store, stored, batch, mode == "git", commitId, options, counters, graph, cancellationToken).ConfigureAwait(false);
            progress?.Report(new IndexProgress("indexing", start + batch.Count, candidates.Count));
        }

        progress?.Report(new IndexProgress("finishing", candidates.Count, candidates.Count));
        var meta = new Dictionary<string, string>
        {
            ["root"] = scanner.Root,
            ["encoder_version"] = _encoder.Settings.Version,
            ["embedding_model"] = _modelId,
            ["dirty_paths"] = JsonSerializer.Serialize(dirtyNow),
            ["last_indexed_utc"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["indexed_commit"] = commitId ?? "",
            ["graph_version"] = EngramStore.GraphVersion,
        };
        store.ApplyBatch([], new Dictionary<string, float[]>(), meta);
        var statistics = store.GetStatistics();
        store.DeleteUnusedEmbeddings(keepUnused: Math.Max(UnusedEmbeddingsKept, statistics.Chunks / 2));
        return new IndexReport(
            scanner.Root,
            store.DatabasePath,
            rebuild ? "rebuild" : mode,
            commitId,
            candidates.Count,
            counters.FilesUpdated,
            counters.FilesDeleted,
            statistics.Files,
            statistics.Chunks,
            counters.ChunksEncoded,
            counters.ChunksEmbedded,
            stopwatch.Elapsed);
    }

    private static List<string> DirtyPaths(WorkspaceScanner scanner)
    {
        if (scanner.Repository is null)
        {
            return [];
        }

        var status = scanner.Repository.RetrieveStatus(new StatusOptions
        {
            IncludeUntracked = true,
            RecurseUntrackedDirs = true,
            IncludeIgnored = false,
            DetectRenamesInIndex = false,
            DetectRenamesInWorkDir = false,
            ExcludeSubmodules = true,
        });
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in status)
        {
            if (entry.State == FileStatus.Unaltered || entry.State.HasFlag(FileStatus.Ignored))
            {
                continue;
            }

            AddRelative(scanner, entry.FilePath, result);
        }

        return result.ToList();
    }

    private static (string Mode, List<string> Paths) Candidates(
        WorkspaceScanner scanner, EngramStore store, Dictionary<string, StoredFile> stored, Commit? head, List<string> dirtyNow, bool rebuild)
    {
        var repository = scanner.Repository;
        var indexedCommit = store.GetMeta("indexed_commit");
        var previous = !rebuild && repository is not null && !string.IsNullOrEmpty(indexedCommit) && stored.Count > 0
            ? repository.Lookup<Commit>(indexedCommit)
            : null;
        if (previous is null || head is null)
        {
            var all = new SortedSet<string>(scanner.EnumerateFiles(), StringComparer.Ordinal);
            all.UnionWith(stored.Keys);
            return ("full", all.ToList());
        }

        var paths = new SortedSet<string>(StringComparer.Ordinal);
        if (previous.Sha != head.Sha)
        {
            using var changes = repository!.Diff.Compare<TreeChanges>(previous.Tree, head.Tree);
            foreach (var change in changes)
            {
                AddRelative(scanner, change.Path, paths);
                AddRelative(scanner, change.OldPath, paths);
            }
        }

        paths.UnionWith(dirtyNow);
        var dirtyBefore = store.GetMeta("dirty_paths");
        if (!string.IsNullOrEmpty(dirtyBefore))
        {
            paths.UnionWith(JsonSerializer.Deserialize<List<string>>(dirtyBefore) ?? []);
        }

        // A changed ignore file can hide or reveal any file: compare everything, as on a first build.
        if (paths.Any(p => p == ".gitignore" || p.EndsWith("/.gitignore", StringComparison.Ordinal)))
        {
            var all = new SortedSet<string>(scanner.EnumerateFiles(), StringComparer.Ordinal);
            all.UnionWith(stored.Keys);
            return ("full", all.ToList());
        }

        return ("git", paths.ToList());
    }

    private static void AddRelative(WorkspaceScanner scanner, string? repositoryPath, ISet<string> paths)
    {
        if (repositoryPath is null)
        {
            return;
        }

        repositoryPath = repositoryPath.Replace('\\', '/');
        if (repositoryPath.StartsWith(scanner.RepositoryPrefix, StringComparison.Ordinal))
        {
            paths.Add(repositoryPath[scanner.RepositoryPrefix.Length..]);
        }
    }

    private async Task ProcessBatchAsync(
        WorkspaceScanner scanner,
        EngramStore store,
        Dictionary<string, StoredFile> stored,
        List<string> batch,
        bool trustCandidates,
        string? commitId,
        IndexOptions options,
        Counters counters,
        Lazy<CSharpGraphBuilder> graph,
        CancellationToken cancellationToken)
    {
        // 1. Read, hash and chunk changed files with bounded parallelism.
        var prepared = new ConcurrentBag<PreparedFile>();
        var deleted = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(
            batch,
            new ParallelOptions { MaxDegreeOfParallelism = options.EffectiveParallelism, CancellationToken = cancellationToken },
            (path, _) =>
            {
                var previous = stored.GetValueOrDefault(path);
                // One eligibility check per file: it stats the file, reads its first 8 KB and asks libgit2.
                if (!scanner.IsIndexable(path))
                {
                    if (previous is not null)
                    {
                        deleted.Add(path);
                    }
                }
                else if (Prepare(scanner, previous, path, trustCandidates, commitId) is { } file)
                {
                    prepared.Add(file);
                }

                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);

        if (prepared.IsEmpty && deleted.IsEmpty)
        {
            return;
        }

        // 2. Embed only chunk contents the store has never seen.
        var allChunks = prepared.SelectMany(f => f.Chunks).ToList();
        var known = _embedder is null ? [] : store.GetEmbeddings(allChunks.Select(c => c.Hash).Distinct().ToList());
        var missing = _embedder is null
            ? []
            : allChunks.Where(c => !known.ContainsKey(c.Hash)).GroupBy(c => c.Hash).Select(g => g.First()).ToList();
        var fresh = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (var i = 0; i < missing.Count; i += EmbeddingBatch)
        {
            var slice = missing.GetRange(i, Math.Min(EmbeddingBatch, missing.Count - i));
            var embeddings = await _embedder!.GenerateAsync(slice.Select(c => c.Text), cancellationToken: cancellationToken).ConfigureAwait(false);
            for (var j = 0; j < slice.Count; j++)
            {
                // Rounded to the stored half precision so that hypervectors are the same whether an embedding was
                // computed now or read back from the store.
                fresh[slice[j].Hash] = EngramStore.RoundToStoredPrecision(embeddings[j].Vector.Span);
            }
        }

        // 3. Encode hypervectors (cheap, parallel) and write the batch in one transaction.
        var updates = new ConcurrentBag<FileUpdate>();
        Parallel.ForEach(
            prepared,
            new ParallelOptions { MaxDegreeOfParallelism = options.EffectiveParallelism, CancellationToken = cancellationToken },
            file =>
            {
                var encoded = file.Chunks.Select(c =>
                {
                    var embedding = known.TryGetValue(c.Hash, out var k) ? k : fresh.GetValueOrDefault(c.Hash) ?? [];
                    var features = ChunkFeatures.FromChunk(c.Chunk);
                    return new EncodedChunk(c.Chunk, c.Hash, _encoder.EncodeChunk(features, embedding), features.WeightedTerms());
                }).ToList();
                updates.Add(new FileUpdate(file.Record.Path, file.Record, encoded));
            });
        foreach (var path in deleted)
        {
            updates.Add(new FileUpdate(path, null, null));
        }

        var ordered = updates.OrderBy(u => u.Path, StringComparer.Ordinal).ToList();
        // 4. The code graph of the changed C# files (and, when declarations changed, of what they can affect), written
        // in the same transaction as the engrams.
        var changed = prepared.Select(f => f.Record.Path).Concat(deleted).ToList();
        var graphs = changed.Any(p => CSharpGraphBuilder.IsCSharp(p) || p.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            ? graph.Value.Rebind(changed, path => CSharpGraphBuilder.Declarations(new FileGraph(path, store.SymbolsUnder(path), [])))
            : [];
        store.ApplyBatch(ordered, fresh, graphs: graphs);
        counters.FilesUpdated += prepared.Count;
        counters.FilesDeleted += deleted.Count;
        counters.ChunksEncoded += allChunks.Count;
        counters.ChunksEmbedded += missing.Count;
    }

    // The file's new record and chunks, or null when it is unchanged or unreadable; the caller has checked that the
    // path is indexable.
    private PreparedFile? Prepare(WorkspaceScanner scanner, StoredFile? previous, string path, bool trustCandidates, string? commitId)
    {
        var full = Path.Combine(scanner.Root, path);
        byte[] bytes;
        FileInfo info;
        try
        {
            info = new FileInfo(full);
            // Fast path outside git mode: unchanged size and modification time mean unchanged content.
            if (!trustCandidates && previous is not null && previous.Size == info.Length && previous.ModifiedTicks == info.LastWriteTimeUtc.Ticks)
            {
                return null;
            }

            bytes = WorkspaceFile.ReadAllBytes(full, scanner.Root, scanner.MaxFileBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Skipping {Path}: {Message}", path, ex.Message);
            return null;
        }

        var hash = ChunkEncoding.FileHash(bytes);
        if (previous is not null && previous.ContentHash == hash)
        {
            return null;
        }

        var text = Decode(bytes);
        var chunks = Chunker.Chunk(path, text)
            .Select(c =>
            {
                var embeddingText = ChunkEncoding.EmbeddingText(c);
                return new PreparedChunk(c, embeddingText, ChunkEncoding.ContentHash(embeddingText, _modelId));
            })
            .ToList();
        var record = new StoredFile(path, hash, info.Length, info.LastWriteTimeUtc.Ticks, commitId);
        return new PreparedFile(record, chunks);
    }

    // A root-relative file's text through the workspace guard, or null when it cannot be read.
    private string? ReadText(WorkspaceScanner scanner, string path)
    {
        try
        {
            return Decode(WorkspaceFile.ReadAllBytes(Path.Combine(scanner.Root, path), scanner.Root, scanner.MaxFileBytes));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogDebug("Code graph skips {Path}: {Message}", path, ex.Message);
            return null;
        }
    }

    private static string Decode(byte[] bytes)
    {
        var span = bytes.AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            span = span[3..];
        }

        return Encoding.UTF8.GetString(span);
    }

    private sealed record PreparedChunk(Chunk Chunk, string Text, string Hash);

    private sealed record PreparedFile(StoredFile Record, List<PreparedChunk> Chunks);

    private sealed class Counters
    {
        public int FilesUpdated { get; set; }

        public int FilesDeleted { get; set; }

        public int ChunksEncoded { get; set; }

        public int ChunksEmbedded { get; set; }
    }
}
