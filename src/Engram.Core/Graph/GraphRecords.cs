namespace Engram.Core.Graph;

/// <summary>
/// One declared symbol of the code graph (one row per declaration part: a partial class declared in two files has
/// two rows with the same <see cref="Key"/>).
/// </summary>
/// <param name="Key">Stable key: for C# the documentation comment ID (<c>M:Shop.Billing.InvoiceCalculator.AddTax(System.Decimal)</c>);
/// elsewhere <c>path#Container.Name</c>.</param>
/// <param name="Name">The simple name (<c>AddTax</c>).</param>
/// <param name="NamePath">Containers and name joined by '/', overloads suffixed with their 0-based index among
/// same-named members (<c>InvoiceCalculator/AddTax[1]</c>).</param>
/// <param name="Kind">The LSP <c>SymbolKind</c> name (<c>Class</c>, <c>Method</c>, ...).</param>
/// <param name="Path">Root-relative path, forward slashes.</param>
/// <param name="StartLine">First line of the declaration, 1-based (attributes included, doc comment excluded).</param>
/// <param name="EndLine">Last line, 1-based inclusive.</param>
/// <param name="SelectionLine">1-based line of the symbol's name.</param>
/// <param name="Signature">The trimmed source line holding the name.</param>
/// <param name="Doc">The documentation summary as plain text, or null.</param>
/// <param name="Parent">The key of the containing symbol, or null at top level.</param>
public sealed record GraphSymbol(
    string Key,
    string Name,
    string NamePath,
    string Kind,
    string Path,
    int StartLine,
    int EndLine,
    int SelectionLine,
    string Signature,
    string? Doc,
    string? Parent);

/// <summary>
/// One occurrence of a symbol inside a file: from the enclosing declared symbol at a 1-based line and column (UTF-16
/// code units) to the key of the symbol it names.
/// </summary>
/// <param name="Path">Root-relative path of the file holding the occurrence.</param>
/// <param name="FromKey">Key of the innermost declared symbol containing the occurrence, or null (top-level statements, usings).</param>
/// <param name="Line">1-based line of the occurrence.</param>
/// <param name="Column">1-based column of the occurrence.</param>
/// <param name="ToKey">Key of the target; for an unresolved name, the name itself prefixed with <c>?:</c>.</param>
/// <param name="Kind">One of <see cref="EdgeKinds"/>.</param>
/// <param name="Resolved">False when the target was matched by name only (types from packages without a restore).</param>
public sealed record GraphEdge(string Path, string? FromKey, int Line, int Column, string ToKey, string Kind, bool Resolved);

/// <summary>The graph facts of one file, replacing whatever the store held for that path.</summary>
/// <param name="Path">Root-relative path; a file with no symbols and no edges (or a deleted one) clears the path.</param>
/// <param name="Symbols">The symbols declared in the file, in source order.</param>
/// <param name="Edges">The occurrences in the file, ordered by line and column.</param>
public sealed record FileGraph(string Path, IReadOnlyList<GraphSymbol> Symbols, IReadOnlyList<GraphEdge> Edges);

/// <summary>The edge kinds of the code graph.</summary>
public static class EdgeKinds
{
    /// <summary>Any other use of a name.</summary>
    public const string Reference = "reference";

    /// <summary>An invocation of a method or constructor.</summary>
    public const string Call = "call";

    /// <summary>A base class in a type's base list (or a base interface of an interface).</summary>
    public const string Inherits = "inherits";

    /// <summary>An interface in a class's or struct's base list, or a member implementing an interface member.</summary>
    public const string Implements = "implements";

    /// <summary>An <c>override</c> member to the member it overrides.</summary>
    public const string Overrides = "overrides";

    /// <summary>A type named as the type of a parameter, field, property, local or return value.</summary>
    public const string TypeOf = "type-of";

    /// <summary>A namespace or type named in a <c>using</c> directive.</summary>
    public const string Import = "import";
}
