using Engram.Core.Chunking;

namespace Engram.Core.Storage;

/// <summary>What the store knows of one indexed file.</summary>
/// <param name="Path">Relative path, forward slashes.</param>
/// <param name="ContentHash">XxHash128 of the file's bytes, 32 hex digits.</param>
/// <param name="Size">Size in bytes when indexed.</param>
/// <param name="ModifiedTicks">Last write time (UTC ticks) when indexed.</param>
/// <param name="IndexedCommit">HEAD commit id when the file was indexed, or null outside git.</param>
public sealed record StoredFile(string Path, string ContentHash, long Size, long ModifiedTicks, string? IndexedCommit);

/// <summary>A chunk ready to store: the chunk, its hypervector and its field-weighted terms.</summary>
/// <param name="Chunk">The chunk.</param>
/// <param name="ContentHash">Hash of the embedding input (symbol, container, doc, code; not the path), 32 hex digits;
/// equal hashes share one stored embedding.</param>
/// <param name="Hypervector">The chunk's hypervector, <c>Dimension / 64</c> words.</param>
/// <param name="Terms">Field-weighted term counts for lexical scoring.</param>
public sealed record EncodedChunk(Chunk Chunk, string ContentHash, ulong[] Hypervector, IReadOnlyDictionary<string, int> Terms);

/// <summary>A change to one file: new content (with its chunks) or a deletion (<see cref="Chunks"/> null).</summary>
/// <param name="Path">Relative path, forward slashes.</param>
/// <param name="File">The file's new record, or null when the file is deleted.</param>
/// <param name="Chunks">The file's chunks in order, or null when the file is deleted.</param>
public sealed record FileUpdate(string Path, StoredFile? File, IReadOnlyList<EncodedChunk>? Chunks);

/// <summary>A candidate chunk loaded for exact re-ranking.</summary>
/// <param name="Id">Row id of the chunk.</param>
/// <param name="Path">Relative path, forward slashes.</param>
/// <param name="StartLine">1-based inclusive.</param>
/// <param name="EndLine">1-based inclusive.</param>
/// <param name="Kind">A <see cref="ChunkKinds"/> value.</param>
/// <param name="Symbol">Declared name or null.</param>
/// <param name="Container">Container or null.</param>
/// <param name="Embedding">Unit-length embedding, or empty when the chunk was indexed without one.</param>
/// <param name="Terms">Field-weighted term counts.</param>
/// <param name="Length">Sum of <paramref name="Terms"/> counts (BM25 document length).</param>
/// <param name="File">The file the chunk came from.</param>
public sealed record CandidateChunk(
    long Id,
    string Path,
    int StartLine,
    int EndLine,
    string Kind,
    string? Symbol,
    string? Container,
    float[] Embedding,
    IReadOnlyDictionary<string, int> Terms,
    int Length,
    StoredFile File);

/// <summary>Counts and sizes of an index, for <c>engram status</c>.</summary>
/// <param name="DatabasePath">Full path of the SQLite file.</param>
/// <param name="DatabaseBytes">Size of the database file plus its WAL, in bytes.</param>
/// <param name="Files">Indexed files.</param>
/// <param name="Chunks">Indexed chunks.</param>
/// <param name="Embeddings">Stored embeddings (distinct chunk contents).</param>
/// <param name="Folders">Folder bundles.</param>
/// <param name="IndexedCommit">HEAD when the last complete update finished, or null.</param>
/// <param name="EncoderVersion">Encoder identity, see <see cref="Hypervectors.EncoderSettings.Version"/>.</param>
/// <param name="EmbeddingModel">Embedding model id, or null when indexed without one.</param>
/// <param name="LastIndexedUtc">When the last complete update finished.</param>
public sealed record StoreStatistics(
    string DatabasePath,
    long DatabaseBytes,
    int Files,
    int Chunks,
    int Embeddings,
    int Folders,
    string? IndexedCommit,
    string? EncoderVersion,
    string? EmbeddingModel,
    DateTimeOffset? LastIndexedUtc);
