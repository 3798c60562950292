using Engram.Core.Chunking;
using Engram.Core.Hypervectors;
using Engram.Core.Indexing;
using Engram.Core.Storage;
using Microsoft.Extensions.AI;

namespace Engram.Core.Search;

/// <summary>One chunk of an unsaved document, encoded exactly as the indexer encodes a stored chunk.</summary>
/// <param name="Chunk">The chunk (path relative to the root, lines 1-based inclusive).</param>
/// <param name="ContentHash">Hash of the embedding input (see <see cref="ChunkEncoding.ContentHash"/>), 32 hex digits.</param>
/// <param name="Hypervector">The chunk's hypervector, <c>Dimension / 64</c> words.</param>
/// <param name="Embedding">Unit-length embedding rounded to the stored precision, or empty without an embedder.</param>
/// <param name="Terms">Field-weighted term counts for BM25F.</param>
public sealed record OverlayChunk(Chunk Chunk, string ContentHash, ulong[] Hypervector, float[] Embedding, IReadOnlyDictionary<string, int> Terms)
{
    /// <summary>Sum of the <see cref="Terms"/> counts (BM25 document length).</summary>
    public int Length { get; } = Terms.Values.Sum();
}

/// <summary>
/// The unsaved text of one file of a root (an editor buffer), chunked and encoded like the index so that searches can
/// rank its chunks together with the indexed ones; the indexed chunks of the same path are hidden while it is used.
/// </summary>
/// <param name="Path">Relative to the root, forward slashes.</param>
/// <param name="Version">Caller's version number (increasing per edit).</param>
/// <param name="Chunks">The chunks in line order.</param>
public sealed record OverlayDocument(string Path, long Version, IReadOnlyList<OverlayChunk> Chunks)
{
    /// <summary>
    /// Chunks <paramref name="text"/> with <see cref="Chunker"/> and encodes every chunk as <see cref="EngramIndexer"/>
    /// does: embedding text and content hash from <see cref="ChunkEncoding.Prepare"/>, features from
    /// <see cref="ChunkFeatures.FromChunk"/>, hypervector from <paramref name="encoder"/>. Embeddings whose content
    /// hash <paramref name="knownEmbeddings"/> returns are reused; only the others are computed (one batch).
    /// </summary>
    /// <param name="relativePath">Path relative to the root, forward slashes.</param>
    /// <param name="text">The file's full text (a leading BOM is ignored).</param>
    /// <param name="version">Version number stored in the result.</param>
    /// <param name="encoder">The encoder of the index.</param>
    /// <param name="embedder">The embedder of the index, or null for lexical-only.</param>
    /// <param name="knownEmbeddings">Returns the stored embeddings among the given content hashes, or null.</param>
    /// <param name="previous">The previous overlay of the same file, or null: its chunks whose content is unchanged
    /// keep their embedding, hypervector and terms (an edit re-encodes only the chunks it touched).</param>
    /// <param name="cancellationToken">Cancels the embedding.</param>
    public static async Task<OverlayDocument> EncodeAsync(
        string relativePath,
        string text,
        long version,
        HypervectorEncoder encoder,
        IEmbeddingGenerator<string, Embedding<float>>? embedder,
        Func<IReadOnlyCollection<string>, IReadOnlyDictionary<string, float[]>>? knownEmbeddings,
        OverlayDocument? previous = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(encoder);
        relativePath = relativePath.Replace('\\', '/');
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var modelId = EngramIndexer.EmbeddingModelId(embedder);
        var prepared = Chunker.Chunk(relativePath, text)
            .Select(c => (Chunk: c, Prepared: ChunkEncoding.Prepare(c, modelId)))
            .ToList();
        // Unchanged chunks of the previous version (same path, same content) are taken over as they are.
        var reusable = new Dictionary<string, OverlayChunk>(StringComparer.Ordinal);
        if (previous is not null && previous.Path == relativePath)
        {
            foreach (var chunk in previous.Chunks)
            {
                reusable.TryAdd(ContentKey(chunk.Chunk), chunk);
            }
        }

        var embeddings = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var chunk in reusable.Values)
        {
            if (chunk.Embedding.Length > 0)
            {
                embeddings.TryAdd(chunk.ContentHash, chunk.Embedding);
            }
        }

        if (embedder is not null && prepared.Count > 0)
        {
            var hashes = prepared.Select(p => p.Prepared.Hash).Where(h => !embeddings.ContainsKey(h)).Distinct(StringComparer.Ordinal).ToList();
            if (hashes.Count > 0 && knownEmbeddings?.Invoke(hashes) is { } known)
            {
                foreach (var (hash, vector) in known)
                {
                    embeddings[hash] = vector;
                }
            }

            var missing = prepared.Where(p => !embeddings.ContainsKey(p.Prepared.Hash))
                .GroupBy(p => p.Prepared.Hash, StringComparer.Ordinal).Select(g => g.First().Prepared).ToList();
            if (missing.Count > 0)
            {
                var generated = await embedder.GenerateAsync(missing.Select(m => m.Text), cancellationToken: cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < missing.Count; i++)
                {
                    // Rounded like stored embeddings, so the overlay ranks a chunk exactly as the index would.
                    embeddings[missing[i].Hash] = EngramStore.RoundToStoredPrecision(generated[i].Vector.Span);
                }
            }
        }

        // Hypervector encoding dominates (about 1 ms a chunk): reuse, then encode the rest in parallel.
        var chunks = new OverlayChunk[prepared.Count];
        Parallel.For(0, prepared.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var (chunk, (_, hash)) = prepared[i];
            var embedding = embeddings.GetValueOrDefault(hash) ?? [];
            if (reusable.TryGetValue(ContentKey(chunk), out var old) && old.ContentHash == hash && old.Embedding.Length == embedding.Length)
            {
                chunks[i] = old with { Chunk = chunk };
                return;
            }

            var features = ChunkFeatures.FromChunk(chunk);
            chunks[i] = new OverlayChunk(chunk, hash, encoder.EncodeChunk(features, embedding), embedding, features.WeightedTerms());
        });
        return new OverlayDocument(relativePath, version, chunks);
    }

    // Everything a chunk's features and embedding depend on besides the path (lines excluded).
    private static string ContentKey(Chunk chunk) =>
        string.Join('\0', chunk.Kind, chunk.Symbol, chunk.Container, chunk.DocComment, chunk.Code);
}
