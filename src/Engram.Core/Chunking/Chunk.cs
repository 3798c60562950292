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

/// <summary>The values of <see cref="Chunk.Kind"/>.</summary>
public static class ChunkKinds
{
    /// <summary>
    /// A C# type's declaration header: attributes, modifiers, name, primary constructor, base list and
    /// constraints up to and including the line of the opening brace (all of it when there is no body, as in
    /// <c>record Point(int X, int Y);</c>), without the members. Symbol: the type name without type
    /// parameters (<c>extension(string s)</c> for an extension block).
    /// </summary>
    public const string Type = "type";
    /// <summary>
    /// A C# method (symbol: its name without type parameters, e.g. <c>TryParse</c>), a destructor
    /// (<c>~Widget</c>), or the run of a file's top-level statements (<c>&lt;top-level statements&gt;</c>).
    /// </summary>
    public const string Method = "method";
    /// <summary>A C# constructor. Symbol: the type name.</summary>
    public const string Constructor = "constructor";
    /// <summary>A C# property. Symbol: the property name.</summary>
    public const string Property = "property";
    /// <summary>A C# indexer. Symbol: <c>this[]</c>.</summary>
    public const string Indexer = "indexer";
    /// <summary>A C# operator or conversion operator. Symbol: e.g. <c>operator +</c>, <c>operator checked -</c>, <c>implicit operator string</c>.</summary>
    public const string Operator = "operator";
    /// <summary>A C# event, field-like or with accessors. Symbol: the event name, or names joined with <c>", "</c>.</summary>
    public const string Event = "event";
    /// <summary>
    /// A run of consecutive C# field declarations. Symbol: the names declared by the first one, joined with
    /// <c>", "</c> (e.g. <c>_position, _line</c>); the doc comment is the first field's.
    /// </summary>
    public const string Fields = "fields";
    /// <summary>
    /// All members of one C# enum (split when large). Symbol and container are the enum's own: its name, and
    /// the namespace and types around it.
    /// </summary>
    public const string EnumMembers = "enum-members";
    /// <summary>A C# delegate declaration. Symbol: the delegate name.</summary>
    public const string Delegate = "delegate";
    /// <summary>
    /// A Markdown section: an ATX heading and its body up to the next heading. Symbol: the heading text, or
    /// null for text before the first heading.
    /// </summary>
    public const string Section = "section";
    /// <summary>
    /// One or more top-level blocks of any other text file (brace block, indentation block or paragraph).
    /// Symbol: a best-effort name from the first line (<c>def foo</c>, <c>function foo</c>, <c>class Foo</c>,
    /// a YAML, TOML or JSON key, ...), or null.
    /// </summary>
    public const string Block = "block";
}
