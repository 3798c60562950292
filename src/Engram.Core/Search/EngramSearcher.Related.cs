using Microsoft.Data.Sqlite;

namespace Engram.Core.Search;

public sealed partial class EngramSearcher
{
    /// <summary>
    /// The neighbours of the indexed chunk covering <paramref name="line"/> of <paramref name="relativePath"/>: the
    /// same fused ranking as <see cref="SearchAsync(string, SearchOptions?, CancellationToken)"/>, but the query is the chunk itself (its stored hypervector
    /// for the Hamming candidates, its stored embedding for the cosine, its terms for BM25F). The chunk itself is
    /// excluded; other chunks of the same file may appear.
    /// </summary>
    /// <param name="relativePath">Path relative to the root, forward slashes.</param>
    /// <param name="line">1-based line. When no chunk covers it, the file's chunk nearest to it is used.</param>
    /// <param name="options">Top, candidates and filters, as for search (null: defaults).</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>At most <see cref="SearchOptions.Top"/> hits, scores in [0, 1] descending; empty when the file has no chunks.</returns>
    public Task<IReadOnlyList<SearchHit>> RelatedAsync(string relativePath, int line, SearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<SearchHit>>(RelatedCore(relativePath, line, options ?? new SearchOptions(), overlay: null));
    }

    // Neighbours of an indexed chunk; with an overlay, other overlaid files are searched as typed.
    private List<SearchHit> RelatedCore(string relativePath, int line, SearchOptions options, OverlayView? overlay)
    {
        if (FindChunkId(relativePath.Replace('\\', '/'), line) is not { } id)
        {
            return [];
        }

        var index = Array.BinarySearch(_ids, id);
        if (index < 0)
        {
            // The chunk was added after this snapshot was loaded.
            return [];
        }

        List<Storage.CandidateChunk> self;
        lock (_storeLock)
        {
            self = _store.LoadCandidates([id]);
        }

        if (self.Count == 0)
        {
            return [];
        }

        var words = _encoder.Dimension / 64;
        var vector = _hypervectors.AsSpan(index * words, words).ToArray();
        var embedding = _embedder is not null ? self[0].Embedding : [];
        var terms = self[0].Terms.Keys.ToArray();
        return Rank(vector, terms, embedding, options, excludeId: id, overlay);
    }

    /// <summary>Row id of the smallest chunk of the file covering the line, else of the chunk nearest to it; null when the file has none.</summary>
    private long? FindChunkId(string relativePath, int line)
    {
        // A separate read-only connection: the store's connection is shared with candidate loading.
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _store.DatabasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id
            WHERE f.path = $path
            ORDER BY CASE WHEN c.start_line <= $line AND c.end_line >= $line THEN 0 ELSE 1 END,
                     CASE WHEN c.start_line <= $line AND c.end_line >= $line THEN c.end_line - c.start_line
                          ELSE min(abs(c.start_line - $line), abs(c.end_line - $line)) END,
                     c.start_line, c.id
            LIMIT 1
            """;
        command.Parameters.AddWithValue("$path", relativePath);
        command.Parameters.AddWithValue("$line", line);
        return command.ExecuteScalar() is long id ? id : null;
    }
}
