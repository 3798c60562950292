using System.Collections.Concurrent;
using Engram.Core.Hypervectors;
using Engram.Core.Indexing;
using Engram.Core.Search;
using Engram.Core.Storage;
using Engram.Models.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engram.Features.Hosting;

/// <summary>Settings of an <see cref="EngramWorkspace"/>.</summary>
/// <param name="Roots">Workspace roots (full paths of existing folders).</param>
/// <param name="IndexDirectory">Where the index databases go, or null for the XDG cache (see <see cref="IndexLocation"/>): the
/// first root's database is <c>IndexDirectory/engram.db</c> (as <c>engram index --index-dir</c> writes it), each later
/// root's <c>IndexDirectory/NAME-HASH/engram.db</c>.</param>
/// <param name="LexicalOnly">True to index and search without the embedding model.</param>
/// <param name="EmbeddingThreads">Intra-op threads of the local embedder (0: ONNX Runtime's default).</param>
/// <param name="Index">Indexer options (file size limit, parallelism, batch size), or null for the defaults.</param>
public sealed record EngramWorkspaceOptions(
    IReadOnlyList<string> Roots,
    string? IndexDirectory = null,
    bool LexicalOnly = false,
    int EmbeddingThreads = 0,
    IndexOptions? Index = null);

/// <summary>The index state of one root as <see cref="EngramWorkspace.GetStatus"/> reports it.</summary>
/// <param name="Root">Full path of the root.</param>
/// <param name="DatabasePath">Full path of its index database (it may not exist yet).</param>
/// <param name="Indexed">True when a completed index is open for search.</param>
/// <param name="Chunks">Chunks searchable now (0 when not indexed).</param>
/// <param name="IndexedCommit">HEAD commit of the last update, or null outside git or before the first one.</param>
/// <param name="LastUpdate">When the last update in this process finished (UTC), or null.</param>
/// <param name="Updating">True while an update of this workspace runs.</param>
/// <param name="Error">Why the index cannot be opened (corrupt, foreign, built with another model), or null.</param>
public sealed record RootIndexStatus(
    string Root,
    string DatabasePath,
    bool Indexed,
    int Chunks,
    string? IndexedCommit,
    DateTimeOffset? LastUpdate,
    bool Updating,
    string? Error);

/// <summary>
/// The engram memory of a set of workspace roots for a long-running host (LSP, MCP): one index database per root,
/// background incremental updates, and search over immutable searcher snapshots that are swapped after each update.
/// </summary>
/// <remarks>
/// Thread-safe. Searches never wait for an update: they use the snapshot open when they start. Updates are
/// serialised; a request made while one runs is coalesced into one follow-up run. Roots can be added and removed
/// (LSP <c>workspace/didChangeWorkspaceFolders</c>, MCP roots).
/// </remarks>
public sealed partial class EngramWorkspace : IAsyncDisposable, IDisposable
{
    private readonly EngramWorkspaceOptions _options;
    private readonly ILogger _logger;
    private readonly HypervectorEncoder _encoder = new(EncoderSettings.Default, embeddingDimension: 384);
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embedder;
    private readonly bool _ownsEmbedder;
    private readonly EngramIndexer _indexer;
    private readonly ConcurrentDictionary<string, RootState> _roots = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _updateGate = new(1, 1);
    private int _pendingUpdates;
    private int _rootsAdded;
    private volatile bool _disposed;

    /// <summary>Creates a workspace over <see cref="EngramWorkspaceOptions.Roots"/>; nothing is read until first use.</summary>
    /// <param name="options">Roots and index settings.</param>
    /// <param name="loggerFactory">Where logs go (hosts send them to stderr), or null.</param>
    /// <param name="embedder">The embedding generator to use instead of the local MiniLM model (tests), or null.</param>
    public EngramWorkspace(EngramWorkspaceOptions options, ILoggerFactory? loggerFactory = null, IEmbeddingGenerator<string, Embedding<float>>? embedder = null)
    {
        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("engram.workspace");
        if (embedder is not null)
        {
            _embedder = embedder;
        }
        else if (!options.LexicalOnly)
        {
            _embedder = LazyEmbeddingGenerator.MiniLm(options.EmbeddingThreads);
            _ownsEmbedder = true;
        }

        _indexer = new EngramIndexer(_encoder, _embedder, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("engram.index"));
        foreach (var root in options.Roots)
        {
            AddRoot(root);
        }
    }

    /// <summary>Raised after an update swapped in new searchers; the argument holds the reports of the update.</summary>
    public event EventHandler<IReadOnlyList<IndexReport>>? IndexUpdated;

    /// <summary>Full paths of the current roots, in the order they were added.</summary>
    public IReadOnlyList<string> Roots => _roots.Values.OrderBy(r => r.Order).Select(r => r.Root).ToList();

    /// <summary>The embedding generator shared with the index (null when lexical-only). Features may embed with it.</summary>
    public IEmbeddingGenerator<string, Embedding<float>>? Embedder => _embedder;

    /// <summary>True while an index update runs.</summary>
    public bool IsUpdating => _updateGate.CurrentCount == 0;

    /// <summary>Adds a root (no-op when present). Its index is opened lazily; call <see cref="UpdateIndexAsync"/> to build it.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public void AddRoot(string root)
    {
        var full = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"Workspace root '{root}' does not exist.");
        }

        if (_roots.ContainsKey(full))
        {
            return;
        }

        // With an index directory, the first root's store is the directory itself (as `engram index --index-dir`
        // writes it) and every later root gets its own NAME-HASH sub-folder, so roots never share a database.
        var order = Interlocked.Increment(ref _rootsAdded) - 1;
        var directory = _options.IndexDirectory is null || order == 0
            ? _options.IndexDirectory
            : Path.Combine(_options.IndexDirectory, Path.GetFileName(IndexLocation.DefaultDirectory(full)));
        _roots.TryAdd(full, new RootState(full, IndexLocation.DatabasePath(full, directory), order));
    }

    /// <summary>Removes a root and closes its searcher; returns false when it was not a root.</summary>
    public bool RemoveRoot(string root)
    {
        var full = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        if (!_roots.TryRemove(full, out var state))
        {
            return false;
        }

        state.Swap(null)?.Dispose();
        return true;
    }

    /// <summary>The root containing <paramref name="path"/> (longest match), or null when it lies outside every root.</summary>
    public string? FindRoot(string path)
    {
        var full = Path.GetFullPath(path);
        return _roots.Keys
            .Where(r => full.Equals(r, StringComparison.Ordinal) || full.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .OrderByDescending(r => r.Length)
            .FirstOrDefault();
    }

    /// <summary>
    /// Brings every root's index up to date (incremental: git diff plus working-tree changes) and swaps in fresh
    /// searchers. Concurrent calls are coalesced: a call made while an update runs waits for one more run.
    /// </summary>
    /// <returns>One report per root, in root order.</returns>
    /// <exception cref="IndexStoreException">An index database is corrupt, foreign or newer than this build.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the databases stay consistent (batches are transactions).</exception>
    public async Task<IReadOnlyList<IndexReport>> UpdateIndexAsync(IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _pendingUpdates);
        await _updateGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Interlocked.Exchange(ref _pendingUpdates, 0);
            var reports = new List<IndexReport>();
            foreach (var state in _roots.Values.OrderBy(r => r.Order).ToList())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var report = await _indexer.IndexAsync(state.Root, state.DatabasePath, _options.Index ?? IndexOptions.Default, progress, cancellationToken).ConfigureAwait(false);
                reports.Add(report);
                state.LastUpdate = DateTimeOffset.UtcNow;
                state.IndexedCommit = report.IndexedCommit;
                Retire(state.Swap(OpenSearcher(state)));
                _logger.LogInformation("Index of {Root} updated: {Files} files, {Chunks} chunks, {Updated} updated in {Seconds:0.000} s",
                    state.Root, report.Files, report.Chunks, report.FilesUpdated, report.Elapsed.TotalSeconds);
            }

            IndexUpdated?.Invoke(this, reports);
            return reports;
        }
        finally
        {
            _updateGate.Release();
        }
    }

    /// <summary>
    /// Searches every root and merges the hits into one ranking (scores in [0, 1], descending; lines 1-based
    /// inclusive). Roots without a completed index are skipped (see <see cref="GetStatus"/>). Files with an encoded
    /// overlay (<see cref="SetOverlay"/>) are searched as typed instead of as indexed.
    /// </summary>
    /// <exception cref="ArgumentException">The query is empty.</exception>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, SearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new ArgumentException("The query is empty.", nameof(query));
        }

        options ??= new SearchOptions();
        var hits = new List<SearchHit>();
        foreach (var searcher in Searchers())
        {
            hits.AddRange(await searcher.SearchAsync(query, options, OverlaysOf(searcher.Root), cancellationToken).ConfigureAwait(false));
        }

        return hits
            .OrderByDescending(h => h.Score)
            .ThenBy(h => h.Root, StringComparer.Ordinal)
            .ThenBy(h => h.Path, StringComparer.Ordinal)
            .ThenBy(h => h.StartLine)
            .Take(options.Top)
            .ToList();
    }

    /// <summary>The searchers open now, one per indexed root (each opened on first use). Do not dispose them.</summary>
    public IReadOnlyList<EngramSearcher> Searchers()
    {
        var list = new List<EngramSearcher>();
        foreach (var state in _roots.Values.OrderBy(r => r.Order))
        {
            if ((state.Searcher ?? TryOpen(state)) is { } searcher)
            {
                list.Add(searcher);
            }
        }

        return list;
    }

    /// <summary>The index state of every root, in root order.</summary>
    public IReadOnlyList<RootIndexStatus> GetStatus()
    {
        var updating = IsUpdating;
        return _roots.Values.OrderBy(r => r.Order).Select(state =>
        {
            var searcher = state.Searcher ?? TryOpen(state);
            return new RootIndexStatus(state.Root, state.DatabasePath, searcher is not null, searcher?.ChunkCount ?? 0,
                state.IndexedCommit, state.LastUpdate, updating, state.Error);
        }).ToList();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DisposeOverlays();
        foreach (var state in _roots.Values)
        {
            state.Swap(null)?.Dispose();
        }

        if (_ownsEmbedder)
        {
            _embedder?.Dispose();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Let a running update finish its batch so the databases close cleanly.
        if (!_disposed && await _updateGate.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false))
        {
            _updateGate.Release();
        }

        Dispose();
    }

    /// <summary>Disposes a replaced searcher after a grace period, so searches that started on it can finish.</summary>
    private static void Retire(EngramSearcher? searcher)
    {
        if (searcher is not null)
        {
            _ = Task.Delay(TimeSpan.FromSeconds(30)).ContinueWith(_ => searcher.Dispose(), TaskScheduler.Default);
        }
    }

    private EngramSearcher? TryOpen(RootState state)
    {
        if (!File.Exists(state.DatabasePath))
        {
            return null;
        }

        lock (state)
        {
            if (state.Searcher is { } existing)
            {
                return existing;
            }

            var searcher = OpenSearcher(state);
            state.Swap(searcher);
            return searcher;
        }
    }

    private EngramSearcher? OpenSearcher(RootState state)
    {
        try
        {
            var searcher = EngramSearcher.Open(state.Root, state.DatabasePath, _encoder, _embedder);
            state.Error = null;
            return searcher;
        }
        catch (IndexStoreException ex) when (ex.Incomplete)
        {
            // A first build that was interrupted (or is running in another process): the host's background pass
            // resumes it, so this is progress to report, not an error that needs the user.
            state.Error = null;
            if (!state.ReportedIncomplete)
            {
                state.ReportedIncomplete = true;
                _logger.LogInformation("Index of {Root} is not complete yet; the background build completes it", state.Root);
            }

            return null;
        }
        catch (IndexStoreException ex)
        {
            state.Error = ex.Message;
            _logger.LogWarning("Index of {Root} cannot be opened: {Message}", state.Root, ex.Message);
            return null;
        }
    }

    private sealed class RootState(string root, string databasePath, int order)
    {
        private EngramSearcher? _searcher;

        public string Root { get; } = root;

        public string DatabasePath { get; } = databasePath;

        public int Order { get; } = order;

        public EngramSearcher? Searcher => Volatile.Read(ref _searcher);

        public DateTimeOffset? LastUpdate { get; set; }

        public string? IndexedCommit { get; set; }

        public string? Error { get; set; }

        /// <summary>True once the "not complete yet" notice was logged, so it is logged once per root.</summary>
        public bool ReportedIncomplete { get; set; }

        /// <summary>Installs <paramref name="next"/> and returns the previous searcher (the caller disposes it).</summary>
        public EngramSearcher? Swap(EngramSearcher? next) => Interlocked.Exchange(ref _searcher, next);
    }
}
