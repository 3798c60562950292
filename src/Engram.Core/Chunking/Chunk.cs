namespace Engram.Core.Chunking;

/// <summary>
/// One retrievable piece of a file: a C# member or type header, a Markdown section, a brace or
/// indentation block of any other text file.
/// </summary>
/// <param name="Path">Path relative to the workspace root, forward slashes (e.g. <c>src/App/Program.cs</c>).</param>
/// <param name="StartLine">First line, 1-based inclusive. Includes the doc comment when there is one.</param>
/// <param name="EndLine">Last line, 1-based inclusive; always ≥ <paramref name="StartLine"/>.</param>
/// <param name="Kind">What the chunk is: one of the <see cref="ChunkKinds"/> constants.</param>
/// <param name="Symbol">Declared name (e.g. <c>TryParse</c>, <c>Widget</c>, a Markdown heading), or null for anonymous text blocks.</param>
/// <param name="Container">Containing type and namespace joined with dots (e.g. <c>Acme.Parsing.Lexer</c>), or null.</param>
/// <param name="DocComment">The doc comment's text with comment markers removed (XML tags kept), or null when there is none.</param>
/// <param name="Code">The chunk's source text without its doc comment.</param>
public sealed record Chunk(
    string Path,
    int StartLine,
    int EndLine,
    string Kind,
    string? Symbol,
    string? Container,
    string? DocComment,
    string Code);

/// <summary>The values of <see cref="Chunk.Kind"/>.</summary>
public static class ChunkKinds
{
    /// <summary>A C# type's declaration header (attributes, modifiers, name, base list), without its members.</summary>
    public const string Type = "type";
    /// <summary>A C# method or local-function-free member body: methods, including destructors.</summary>
    public const string Method = "method";
    /// <summary>A C# constructor.</summary>
    public const string Constructor = "constructor";
    /// <summary>A C# property.</summary>
    public const string Property = "property";
    /// <summary>A C# indexer.</summary>
    public const string Indexer = "indexer";
    /// <summary>A C# operator or conversion operator.</summary>
    public const string Operator = "operator";
    /// <summary>A C# event (field-like or with accessors).</summary>
    public const string Event = "event";
    /// <summary>A group of consecutive C# field declarations.</summary>
    public const string Fields = "fields";
    /// <summary>A group of consecutive C# enum members.</summary>
    public const string EnumMembers = "enum-members";
    /// <summary>A C# delegate declaration.</summary>
    public const string Delegate = "delegate";
    /// <summary>A Markdown section (a heading and its body up to the next heading).</summary>
    public const string Section = "section";
    /// <summary>A block of any other text file (brace block, indentation block or paragraph).</summary>
    public const string Block = "block";
}
