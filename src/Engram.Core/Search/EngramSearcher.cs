using Engram.Core.Hypervectors;
using Engram.Core.Indexing;
using Engram.Core.Storage;
using Engram.Core.Text;
using Engram.Files;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace Engram.Core.Search;

/// <summary>
/// Answers natural-language or identifier queries over one root's index: candidates by hypervector Hamming
/// similarity over every chunk, then exact re-ranking of the candidates by a fusion of the embedding cosine and a
/// BM25F lexical score.
/// </summary>
/// <remarks>
/// <para>Search-resident state: one hypervector per chunk (<c>Dimension / 8</c> bytes), its row id (8 bytes) and the
/// document-frequency table; everything else (embeddings, terms, snippets) is read from SQLite for the candidates
/// only. The snapshot is loaded once by <see cref="Open"/>; it does not see later updates (open a new searcher).</para>
/// <para>Score = <see cref="DenseWeight"/> × max(0, cosine) + (1 − <see cref="DenseWeight"/>) × BM25F / max BM25F over
/// the candidates, in [0, 1]. BM25 parameters k1 = 1.2, b = 0.75 (Robertson and Zaragoza 2009). Thread-safe for
/// concurrent searches.</para>
/// </remarks>
public sealed partial class EngramSearcher : IDisposable
{
    /// <summary>Weight of the embedding cosine in the final score; the lexical score gets the rest.</summary>
    public const double DenseWeight = 0.6;

    /// <summary>BM25F score below which the lexical part of a score is scaled down rather than normalised to 1.</summary>
    public const double LexicalFloor = 20;

    /// <summary>Weight of the gap to the best hypervector similarity among the candidates.</summary>
    public const double HypervectorPenalty = 0.5;

    private const double K1 = 1.2;
    private const double B = 0.75;

    private readonly EngramStore _store;
    private readonly HypervectorEncoder _encoder;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embedder;
    private readonly long[] _ids;
    private readonly ulong[] _hypervectors;
    private readonly Dictionary<string, int> _documentFrequencies;
    private readonly double _averageLength;
    private readonly string _root;
    private readonly Lock _storeLock = new();

    private EngramSearcher(string root, EngramStore store, HypervectorEncoder encoder, IEmbeddingGenerator<string, Embedding<float>>? embedder)
    {
        _root = root;
        _store = store;
        _encoder = encoder;
        _embedder = embedder;
        (_ids, _hypervectors, _documentFrequencies, _averageLength) = store.LoadSearchData();
    }

    /// <summary>Full path of the workspace root this searcher belongs to.</summary>
    public string Root => _root;

    /// <summary>Number of chunks searched.</summary>
    public int ChunkCount => _ids.Length;

    /// <summary>Bytes held in memory for candidate generation: hypervectors and row ids (excluding the term table).</summary>
    public long ResidentBytes => _hypervectors.Length * sizeof(ulong) + _ids.Length * sizeof(long);

    /// <summary>Bytes held for the document-frequency table (estimated: term characters, 2 bytes each, plus 40 bytes of entry overhead).</summary>
    public long TermTableBytes => _documentFrequencies.Sum(t => (long)t.Key.Length * 2 + 40);

    /// <summary>
    /// Opens a searcher over the index of <paramref name="root"/> stored at <paramref name="databasePath"/>.
    /// </summary>
    /// <param name="root">The workspace root (used for stale checks).</param>
    /// <param name="databasePath">The index database; must exist.</param>
    /// <param name="encoder">The encoder the index was built with.</param>
    /// <param name="embedder">The embedder the index was built with, or null for lexical-only search.</param>
    /// <exception cref="IndexStoreException">No usable index at that path, or it was built with another encoder or model.</exception>
    public static EngramSearcher Open(string root, string databasePath, HypervectorEncoder encoder, IEmbeddingGenerator<string, Embedding<float>>? embedder) =>
        OpenCore(root, databasePath, encoder, embedder, followIndexMode: false);

    /// <summary>
    /// Opens a searcher in the mode the index was built in: lexically (without calling
    /// <paramref name="embedder"/>) when the index was built without embeddings, with
    /// <paramref name="embedder"/> otherwise. For one-shot searches (<c>engram search</c>) that should answer
    /// from whatever index is there instead of asking for a rebuild in the other mode.
    /// </summary>
    /// <exception cref="IndexStoreException">No usable index at that path, or it was built with another encoder or embedding model.</exception>
    public static EngramSearcher OpenAsBuilt(string root, string databasePath, HypervectorEncoder encoder, IEmbeddingGenerator<string, Embedding<float>>? embedder) =>
        OpenCore(root, databasePath, encoder, embedder, followIndexMode: true);

    private static EngramSearcher OpenCore(string root, string databasePath, HypervectorEncoder encoder, IEmbeddingGenerator<string, Embedding<float>>? embedder, bool followIndexMode)
    {
        var store = EngramStore.Open(databasePath, encoder.Dimension, create: false);
        try
        {
            var version = store.GetMeta("encoder_version");
            var model = store.GetMeta("embedding_model");
            if (followIndexMode && model == EngramIndexer.EmbeddingModelId(null))
            {
                embedder = null;
            }

            var expectedModel = EngramIndexer.EmbeddingModelId(embedder);
            if (version is null)
            {
                throw new IndexStoreException($"The index at '{databasePath}' was never completed. Run 'engram index'.") { Incomplete = true };
            }

            if (version != encoder.Settings.Version || model != expectedModel)
            {
                throw new IndexStoreException($"The index at '{databasePath}' was built with {version} and {model}; this search uses {encoder.Settings.Version} and {expectedModel}. Run 'engram index' to update it.");
            }

            return new EngramSearcher(Path.GetFullPath(root), store, encoder, embedder);
        }
        catch (SqliteException ex) when (StoreIntegrity.IsCorruption(ex))
        {
            store.Dispose();
            throw StoreIntegrity.Corrupt(store.DatabasePath, ex.Message, ex);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Returns at most <see cref="SearchOptions.Top"/> hits ordered by descending score in [0, 1].
    /// </summary>
    /// <exception cref="ArgumentException">The query is empty or whitespace.</exception>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, SearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new ArgumentException("The query is empty.", nameof(query));
        }

        options ??= new SearchOptions();
        if (_ids.Length == 0)
        {
            return [];
        }

        return await SearchCoreAsync(query, options, overlay: null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<SearchHit>> SearchCoreAsync(string query, SearchOptions options, OverlayView? overlay, CancellationToken cancellationToken)
    {
        var terms = TermTokenizer.Tokenize(query);
        float[] embedding = [];
        if (_embedder is not null)
        {
            var generated = await _embedder.GenerateAsync([query], cancellationToken: cancellationToken).ConfigureAwait(false);
            embedding = generated[0].Vector.ToArray();
        }

        var queryVector = _encoder.EncodeQuery(terms, embedding);
        return Rank(queryVector, terms.Distinct(StringComparer.Ordinal).ToArray(), embedding, options, excludeId: null, overlay);
    }

    // Hamming candidates of `queryVector`, filtered by the options, re-ranked by the fused dense + BM25F score.
    // With an overlay, the indexed chunks of overlaid files are hidden and the overlay's chunks (negative ids) compete
    // with the indexed ones under the same scoring; BM25 statistics are adjusted as if the overlay were indexed.
    private List<SearchHit> Rank(ulong[] queryVector, string[] queryTerms, float[] embedding, SearchOptions options, long? excludeId, OverlayView? overlay = null)
    {
        try
        {
            return RankFromStore(queryVector, queryTerms, embedding, options, excludeId, overlay);
        }
        catch (SqliteException ex) when (StoreIntegrity.IsCorruption(ex))
        {
            // Pages not read at open (chunk text) can still be corrupt: the same refusal as at open, never a stack trace.
            throw StoreIntegrity.Corrupt(_store.DatabasePath, ex.Message, ex);
        }
    }

    private List<SearchHit> RankFromStore(ulong[] queryVector, string[] queryTerms, float[] embedding, SearchOptions options, long? excludeId, OverlayView? overlay)
    {
        var count = options.EffectiveCandidates + (excludeId is null ? 0 : 1);
        var nearest = NearestByHamming(queryVector, count, overlay?.HiddenIds);
        if (overlay is not null)
        {
            overlay.AddNearest(queryVector, nearest, count);
        }

        if (excludeId is { } excluded)
        {
            nearest.Remove(excluded);
        }

        var candidateIds = nearest.Keys.Where(id => id >= 0).ToArray();
        List<CandidateChunk> candidates;
        lock (_storeLock)
        {
            candidates = _store.LoadCandidates(candidateIds);
        }

        if (overlay is not null)
        {
            candidates.AddRange(nearest.Keys.Where(id => id < 0).Select(overlay.Candidate));
        }

        var statistics = overlay?.Statistics ?? new CorpusStatistics(_ids.Length, _documentFrequencies, null, _averageLength);

        if (options.Kinds is not null)
        {
            candidates.RemoveAll(c => !options.Kinds.Contains(c.Kind));
        }

        if (!string.IsNullOrEmpty(options.PathPrefix))
        {
            candidates.RemoveAll(c => !c.Path.StartsWith(options.PathPrefix, StringComparison.Ordinal));
        }

        var scored = new List<(CandidateChunk Chunk, double Dense, double Lexical)>(candidates.Count);
        var maxLexical = 0.0;
        foreach (var candidate in candidates)
        {
            var dense = embedding.Length > 0 && candidate.Embedding.Length == embedding.Length ? Dot(embedding, candidate.Embedding) : 0.0;
            var lexical = Bm25(queryTerms, candidate, statistics);
            maxLexical = Math.Max(maxLexical, lexical);
            scored.Add((candidate, dense, lexical));
        }

        var denseWeight = embedding.Length > 0 ? DenseWeight : 0.0;
        var lexicalScale = embedding.Length > 0 ? Math.Max(maxLexical, LexicalFloor) : maxLexical;
        var bestDistance = candidates.Count == 0 ? 0 : candidates.Min(c => nearest[c.Id]);
        var ranked = scored
            .Select(s => (s.Chunk, s.Dense, s.Lexical, Score:
                denseWeight * Math.Max(0, s.Dense)
                + (1 - denseWeight) * (lexicalScale > 0 ? s.Lexical / lexicalScale : 0)
                - HypervectorPenalty * (nearest[s.Chunk.Id] - bestDistance) / _encoder.Dimension))
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.Chunk.Path, StringComparer.Ordinal)
            .ThenBy(s => s.Chunk.StartLine)
            .Take(options.Top)
            .ToList();

        var staleCache = new Dictionary<string, bool>(StringComparer.Ordinal);
        var hits = new List<SearchHit>(ranked.Count);
        foreach (var (chunk, dense, lexical, score) in ranked)
        {
            (string Code, string? Doc)? text;
            bool stale;
            if (chunk.Id < 0 && overlay is not null)
            {
                // An overlay chunk is the buffer as typed: never stale.
                text = (overlay.Chunk(chunk.Id).Chunk.Code, null);
                stale = false;
            }
            else
            {
                lock (_storeLock)
                {
                    text = _store.LoadChunkText(chunk.Id);
                }

                if (!staleCache.TryGetValue(chunk.Path, out stale))
                {
                    stale = IsStale(chunk.File);
                    staleCache[chunk.Path] = stale;
                }
            }

            hits.Add(new SearchHit(
                chunk.Path, chunk.StartLine, chunk.EndLine, Math.Clamp(score, 0, 1), chunk.Symbol, chunk.Kind, chunk.Container,
                Snippet(text?.Code ?? ""), chunk.File.IndexedCommit, stale, _root, dense, lexical,
                1.0 - (double)nearest[chunk.Id] / _encoder.Dimension));
        }

        return hits;
    }

    /// <inheritdoc />
    public void Dispose() => _store.Dispose();

    /// <summary>True when the file on disk differs from the indexed version (size, time and then content hash).</summary>
    public bool IsStale(StoredFile file)
    {
        var info = new FileInfo(Path.Combine(_root, file.Path));
        if (!info.Exists)
        {
            return true;
        }

        if (info.Length != file.Size)
        {
            return true;
        }

        if (info.LastWriteTimeUtc.Ticks == file.ModifiedTicks)
        {
            return false;
        }

        try
        {
            // Same size, newer time: compare contents, reading no more than the indexed size and only a regular file
            // inside the root (a pipe or device swapped in is stale, never read).
            return ChunkEncoding.FileHash(WorkspaceFile.ReadAllBytes(info.FullName, _root, file.Size)) != file.ContentHash;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    // Row id → Hamming distance of the `count` nearest chunks.
    private Dictionary<long, int> NearestByHamming(ulong[] query, int count, HashSet<long>? hidden = null)
    {
        var words = query.Length;
        count = Math.Min(count, _ids.Length);
        // Max-heap on distance (PriorityQueue is a min-heap, so priorities are negated) keeping the best `count`.
        var heap = new PriorityQueue<int, int>(count + 1);
        var vectors = _hypervectors.AsSpan();
        for (var i = 0; i < _ids.Length; i++)
        {
            if (hidden is not null && hidden.Contains(_ids[i]))
            {
                continue;
            }

            var distance = Hypervector.HammingDistance(vectors.Slice(i * words, words), query);
            if (heap.Count < count)
            {
                heap.Enqueue(i, -distance);
            }
            else if (heap.TryPeek(out _, out var worst) && distance < -worst)
            {
                heap.DequeueEnqueue(i, -distance);
            }
        }

        var result = new Dictionary<long, int>(heap.Count);
        while (heap.TryDequeue(out var index, out var negativeDistance))
        {
            result[_ids[index]] = -negativeDistance;
        }

        return result;
    }

    private static double Bm25(string[] queryTerms, CandidateChunk chunk, CorpusStatistics statistics)
    {
        var n = statistics.Chunks;
        var score = 0.0;
        foreach (var term in queryTerms)
        {
            if (!chunk.Terms.TryGetValue(term, out var tf))
            {
                continue;
            }

            var df = statistics.DocumentFrequency(term);
            if (df <= 0)
            {
                continue;
            }

            var idf = Math.Log(1 + (n - df + 0.5) / (df + 0.5));
            var norm = K1 * (1 - B + B * chunk.Length / Math.Max(1, statistics.AverageLength));
            score += idf * tf * (K1 + 1) / (tf + norm);
        }

        return score;
    }

    private static double Dot(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static string Snippet(string code)
    {
        var lines = code.Split('\n');
        return string.Join('\n', lines.Take(12)).TrimEnd();
    }
}
