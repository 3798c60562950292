namespace Engram.Core.Chunking;

/// <summary>
/// One retrievable piece of a file: a C# member or type header, a Markdown section, a brace or
/// indentation block of any other text file.
/// </summary>
/// <param name="Path">Path relative to the workspace root, forward slashes (e.g. <c>src/App/Program.cs</c>).</param>
/// <param name="StartLine">First line, 1-based inclusive. Includes the doc comment when there is one.</param>
/// <param name="EndLine">Last line, 1-based inclusive; always ≥ <paramref name="StartLine"/>.</param>
/// <param name="Kind">What the chunk is: one of the <see cref="ChunkKinds"/> constants.</param>
/// <param name="Symbol">Declared name (e.g. <c>TryParse</c>, <c>Widget</c>, a Markdown heading), or null for anonymous text blocks. Each <see cref="ChunkKinds"/> constant says what its symbols look like.</param>
/// <param name="Container">Containing type and namespace joined with dots (e.g. <c>Acme.Parsing.Lexer</c>), or null.</param>
/// <param name="DocComment">
/// The doc comment's text with comment markers and common indentation removed (XML tags kept), lines joined
/// with <c>\n</c>; null when there is none. C# <c>///</c> and <c>/** */</c> comments, and JavaScript or
/// TypeScript JSDoc right above a function. Only the first piece of a split chunk carries it.
/// </param>
/// <param name="Code">
/// The chunk's source text without its doc comment: an exact slice of the file, line breaks as in the file.
/// C# code starts at the member's first attribute, modifier or directly preceding <c>//</c> comment; other
/// files' code starts at the beginning of a line.
/// </param>
public sealed record Chunk(
    string Path,
    int StartLine,
    int EndLine,
    string Kind,
    string? Symbol,
    string? Container,
    string? DocComment,
    string Code);
