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
    /// <param name="cancellationToken">Cancels the embedding.</param>
    public static async Task<OverlayDocument> EncodeAsync(
        string relativePath,
        string text,
        long version,
        HypervectorEncoder encoder,
        IEmbeddingGenerator<string, Embedding<float>>? embedder,
        Func<IReadOnlyCollection<string>, IReadOnlyDictionary<string, float[]>>? knownEmbeddings,
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
        var embeddings = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (embedder is not null && prepared.Count > 0)
        {
            var hashes = prepared.Select(p => p.Prepared.Hash).Distinct(StringComparer.Ordinal).ToList();
            if (knownEmbeddings?.Invoke(hashes) is { } known)
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

        var chunks = prepared.Select(p =>
        {
            var embedding = embeddings.GetValueOrDefault(p.Prepared.Hash) ?? [];
            var features = ChunkFeatures.FromChunk(p.Chunk);
            return new OverlayChunk(p.Chunk, p.Prepared.Hash, encoder.EncodeChunk(features, embedding), embedding, features.WeightedTerms());
        }).ToList();
        return new OverlayDocument(relativePath, version, chunks);
    }
}
