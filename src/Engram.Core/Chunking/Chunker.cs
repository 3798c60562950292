namespace Engram.Core.Chunking;

/// <summary>Splits a workspace file into <see cref="Chunk"/>s, choosing the chunker by file extension.</summary>
/// <remarks>
/// <c>.cs</c> files are parsed with Roslyn (one chunk per member and per type header); <c>.md</c> and
/// <c>.markdown</c> files are cut at headings; every other file is cut by blank lines, indentation and
/// brackets. All chunkers are pure functions of their input and safe to call concurrently.
/// </remarks>
public static class Chunker
{
    /// <summary>Chunks one file.</summary>
    /// <param name="relativePath">Workspace-relative path with forward slashes (e.g. <c>src/App/Program.cs</c>); copied into <see cref="Chunk.Path"/> and used for its extension.</param>
    /// <param name="text">The file's full text; any string, including malformed code.</param>
    /// <param name="options">Size limits, or null for <see cref="ChunkerOptions.Default"/>.</param>
    /// <returns>
    /// The chunks ordered by <see cref="Chunk.StartLine"/> (chunks on the same line keep document order); the same
    /// input always gives the same output. Empty when <paramref name="text"/> is empty or only white space. Chunks
    /// over the limits are split into consecutive pieces with the same kind, symbol and container.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="relativePath"/> or <paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is less than 1.</exception>
    public static IReadOnlyList<Chunk> Chunk(string relativePath, string text, ChunkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        ArgumentNullException.ThrowIfNull(text);
        options ??= ChunkerOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxChunkLines, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxChunkChars, 1, nameof(options));

        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        string extension = Path.GetExtension(relativePath);
        if (extension.Equals(".cs", StringComparison.OrdinalIgnoreCase))
        {
            return CSharpChunker.Chunk(relativePath, text, options);
        }

        if (extension.Equals(".md", StringComparison.OrdinalIgnoreCase) || extension.Equals(".markdown", StringComparison.OrdinalIgnoreCase))
        {
            return TextChunker.ChunkMarkdown(relativePath, text, options);
        }

        return TextChunker.ChunkCode(relativePath, text, options);
    }
}
