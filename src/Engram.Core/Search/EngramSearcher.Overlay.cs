using System.Collections.Concurrent;
using Engram.Core.Hypervectors;
using Engram.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Engram.Core.Search;

public sealed partial class EngramSearcher
{
    // Indexed chunks of overlaid paths, per path; the snapshot never changes, so they are computed once.
    private readonly ConcurrentDictionary<string, HiddenFile> _hiddenFiles = new(StringComparer.Ordinal);

    /// <summary>
    /// <see cref="SearchAsync(string, SearchOptions?, CancellationToken)"/> over the index with unsaved documents laid
    /// over it: the indexed chunks of every overlaid path are hidden and the overlay's chunks are ranked in their place
    /// with the same candidate generation and fused score (BM25 statistics count the overlay instead of the hidden
    /// chunks). Overlay hits have <see cref="SearchHit.Stale"/> false and <see cref="SearchHit.IndexedCommit"/> null.
    /// </summary>
    /// <param name="query">The query.</param>
    /// <param name="options">Top, candidates and filters (null: defaults).</param>
    /// <param name="overlays">Unsaved documents of this root (paths relative to it); at most one per path.</param>
    /// <param name="cancellationToken">Cancels the query embedding.</param>
    /// <returns>At most <see cref="SearchOptions.Top"/> hits, scores in [0, 1] descending.</returns>
    /// <exception cref="ArgumentException">The query is empty or whitespace.</exception>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, SearchOptions? options, IReadOnlyCollection<OverlayDocument> overlays, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(overlays);
        if (overlays.Count == 0)
        {
            return await SearchAsync(query, options, cancellationToken).ConfigureAwait(false);
        }

        if (string.IsNullOrWhiteSpace(query))
        {
            throw new ArgumentException("The query is empty.", nameof(query));
        }

        var view = BuildView(overlays);
        if (_ids.Length == 0 && view.Count == 0)
        {
            return [];
        }

        return await SearchCoreAsync(query, options ?? new SearchOptions(), view, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="RelatedAsync(string, int, SearchOptions?, CancellationToken)"/> with unsaved documents laid over the
    /// index (see <see cref="SearchAsync(string, SearchOptions?, IReadOnlyCollection{OverlayDocument}, CancellationToken)"/>).
    /// When <paramref name="relativePath"/> is overlaid, the query is its overlay chunk covering <paramref name="line"/>
    /// (else the nearest one).
    /// </summary>
    /// <param name="relativePath">Path relative to the root, forward slashes.</param>
    /// <param name="line">1-based line.</param>
    /// <param name="options">Top, candidates and filters (null: defaults).</param>
    /// <param name="overlays">Unsaved documents of this root; at most one per path.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>At most <see cref="SearchOptions.Top"/> hits, scores in [0, 1] descending; empty when the file has no chunks.</returns>
    public Task<IReadOnlyList<SearchHit>> RelatedAsync(string relativePath, int line, SearchOptions? options, IReadOnlyCollection<OverlayDocument> overlays, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        ArgumentNullException.ThrowIfNull(overlays);
        cancellationToken.ThrowIfCancellationRequested();
        if (overlays.Count == 0)
        {
            return RelatedAsync(relativePath, line, options, cancellationToken);
        }

        options ??= new SearchOptions();
        relativePath = relativePath.Replace('\\', '/');
        var view = BuildView(overlays);
        if (view.Find(relativePath, line) is not { } id)
        {
            return Task.FromResult<IReadOnlyList<SearchHit>>(
                overlays.Any(o => o.Path == relativePath) ? [] : RelatedCore(relativePath, line, options, view));
        }

        var chunk = view.Chunk(id);
        var embedding = _embedder is not null ? chunk.Embedding : [];
        return Task.FromResult<IReadOnlyList<SearchHit>>(Rank(chunk.Hypervector, chunk.Terms.Keys.ToArray(), embedding, options, excludeId: id, view));
    }

    /// <summary>The stored embeddings among <paramref name="contentHashes"/>, by content hash (for reuse by overlays).</summary>
    public Dictionary<string, float[]> GetStoredEmbeddings(IReadOnlyCollection<string> contentHashes)
    {
        ArgumentNullException.ThrowIfNull(contentHashes);
        lock (_storeLock)
        {
            return _store.GetEmbeddings(contentHashes);
        }
    }

    private OverlayView BuildView(IReadOnlyCollection<OverlayDocument> overlays)
    {
        var hiddenIds = new HashSet<long>();
        var delta = new Dictionary<string, int>(StringComparer.Ordinal);
        var chunks = _ids.Length;
        var totalLength = _averageLength * _ids.Length;
        var documents = overlays.GroupBy(o => o.Path, StringComparer.Ordinal).Select(g => g.MaxBy(o => o.Version)!).ToList();
        foreach (var document in documents)
        {
            var hidden = _hiddenFiles.GetOrAdd(document.Path, LoadHiddenFile);
            hiddenIds.UnionWith(hidden.Ids);
            chunks -= hidden.Ids.Count;
            totalLength -= hidden.Length;
            foreach (var (term, count) in hidden.Frequencies)
            {
                delta[term] = delta.GetValueOrDefault(term) - count;
            }

            foreach (var chunk in document.Chunks)
            {
                chunks++;
                totalLength += chunk.Length;
                foreach (var term in chunk.Terms.Keys)
                {
                    delta[term] = delta.GetValueOrDefault(term) + 1;
                }
            }
        }

        var statistics = new CorpusStatistics(chunks, _documentFrequencies, delta, chunks == 0 ? 0 : totalLength / chunks);
        return new OverlayView(documents, hiddenIds, statistics);
    }

    // The indexed chunks of `path` in this snapshot, with their document frequencies and total length.
    private HiddenFile LoadHiddenFile(string path)
    {
        var ids = new List<long>();
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _store.DatabasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path = $path";
            command.Parameters.AddWithValue("$path", path);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetInt64(0);
                if (Array.BinarySearch(_ids, id) >= 0)
                {
                    ids.Add(id);
                }
            }
        }

        List<CandidateChunk> chunks;
        lock (_storeLock)
        {
            chunks = ids.Count == 0 ? [] : _store.LoadCandidates(ids);
        }

        var frequencies = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var chunk in chunks)
        {
            foreach (var term in chunk.Terms.Keys)
            {
                frequencies[term] = frequencies.GetValueOrDefault(term) + 1;
            }
        }

        return new HiddenFile(ids.ToHashSet(), frequencies, chunks.Sum(c => (double)c.Length));
    }

    private sealed record HiddenFile(HashSet<long> Ids, Dictionary<string, int> Frequencies, double Length);

    /// <summary>BM25 corpus statistics: the snapshot's, optionally adjusted by an overlay.</summary>
    private sealed record CorpusStatistics(int Chunks, Dictionary<string, int> Frequencies, Dictionary<string, int>? Delta, double AverageLength)
    {
        public int DocumentFrequency(string term) =>
            Frequencies.GetValueOrDefault(term) + (Delta is null ? 0 : Delta.GetValueOrDefault(term));
    }

    /// <summary>The overlay of one search: its chunks under negative ids (−1, −2, …), the hidden indexed ids and statistics.</summary>
    private sealed class OverlayView
    {
        private readonly List<(OverlayChunk Chunk, CandidateChunk Candidate)> _chunks = [];
        private readonly Dictionary<string, (int First, int Count)> _ranges = new(StringComparer.Ordinal);

        public OverlayView(IReadOnlyList<OverlayDocument> documents, HashSet<long> hiddenIds, CorpusStatistics statistics)
        {
            HiddenIds = hiddenIds;
            Statistics = statistics;
            foreach (var document in documents)
            {
                _ranges[document.Path] = (_chunks.Count, document.Chunks.Count);
                var file = new StoredFile(document.Path, "", 0, 0, null);
                foreach (var chunk in document.Chunks)
                {
                    var id = -(long)(_chunks.Count + 1);
                    var c = chunk.Chunk;
                    _chunks.Add((chunk, new CandidateChunk(id, document.Path, c.StartLine, c.EndLine, c.Kind, c.Symbol, c.Container,
                        chunk.Embedding, chunk.Terms, chunk.Length, file)));
                }
            }
        }

        public HashSet<long> HiddenIds { get; }

        public CorpusStatistics Statistics { get; }

        public int Count => _chunks.Count;

        public OverlayChunk Chunk(long id) => _chunks[(int)(-id - 1)].Chunk;

        public CandidateChunk Candidate(long id) => _chunks[(int)(-id - 1)].Candidate;

        /// <summary>Id of the overlay chunk of <paramref name="path"/> covering <paramref name="line"/> (smallest), else the nearest; null when the path has no overlay chunks.</summary>
        public long? Find(string path, int line)
        {
            if (!_ranges.TryGetValue(path, out var range) || range.Count == 0)
            {
                return null;
            }

            return Enumerable.Range(range.First, range.Count)
                .Select(i => (Index: i, _chunks[i].Chunk.Chunk))
                .OrderBy(x => x.Chunk.StartLine <= line && x.Chunk.EndLine >= line ? 0 : 1)
                .ThenBy(x => x.Chunk.StartLine <= line && x.Chunk.EndLine >= line
                    ? x.Chunk.EndLine - x.Chunk.StartLine
                    : Math.Min(Math.Abs(x.Chunk.StartLine - line), Math.Abs(x.Chunk.EndLine - line)))
                .ThenBy(x => x.Chunk.StartLine)
                .Select(x => -(long)(x.Index + 1))
                .First();
        }

        /// <summary>Adds the overlay chunks to the Hamming candidates, keeping the <paramref name="count"/> nearest overall.</summary>
        public void AddNearest(ulong[] query, Dictionary<long, int> nearest, int count)
        {
            for (var i = 0; i < _chunks.Count; i++)
            {
                nearest[-(long)(i + 1)] = Hypervector.HammingDistance(_chunks[i].Chunk.Hypervector, query);
            }

            if (nearest.Count > count)
            {
                foreach (var (id, _) in nearest.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Take(nearest.Count - count).ToList())
                {
                    nearest.Remove(id);
                }
            }
        }
    }
}
