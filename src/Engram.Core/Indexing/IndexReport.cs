namespace Engram.Core.Indexing;

/// <summary>What an index build or update did.</summary>
/// <param name="Root">Full path of the workspace root.</param>
/// <param name="DatabasePath">Full path of the index database.</param>
/// <param name="Mode"><c>full</c> (every file examined), <c>git</c> (diff of the indexed commit against HEAD plus the
/// working tree's changes) or <c>rebuild</c>.</param>
/// <param name="IndexedCommit">HEAD commit id after the update, or null outside git.</param>
/// <param name="FilesExamined">Files whose content was compared with the index.</param>
/// <param name="FilesUpdated">Files whose chunks were rewritten (added or changed).</param>
/// <param name="FilesDeleted">Files removed from the index.</param>
/// <param name="Files">Files in the index afterwards.</param>
/// <param name="Chunks">Chunks in the index afterwards.</param>
/// <param name="ChunksEncoded">Chunks written with a freshly computed hypervector (those of updated files).</param>
/// <param name="ChunksEmbedded">Chunks whose content was new, so the embedding model ran on them.</param>
/// <param name="Elapsed">Wall-clock time of the whole update.</param>
public sealed record IndexReport(
    string Root,
    string DatabasePath,
    string Mode,
    string? IndexedCommit,
    int FilesExamined,
    int FilesUpdated,
    int FilesDeleted,
    int Files,
    int Chunks,
    int ChunksEncoded,
    int ChunksEmbedded,
    TimeSpan Elapsed);

/// <summary>Progress of an update: <paramref name="Done"/> of <paramref name="Total"/> files examined.</summary>
/// <param name="Phase"><c>scanning</c>, <c>indexing</c> or <c>finishing</c>.</param>
/// <param name="Done">Files processed so far.</param>
/// <param name="Total">Files to process.</param>
public readonly record struct IndexProgress(string Phase, int Done, int Total);
