namespace Engram.Core.Chunking;

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
