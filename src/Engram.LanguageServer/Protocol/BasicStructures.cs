using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engram.LanguageServer.Protocol;

// LSP 3.17 "Basic JSON Structures", named as the specification names them. Grouped in one file per spec section
// (rather than one type per file) because they are plain data mirroring the spec's own grouping.

/// <summary>A 0-based line and character offset; the character unit is the negotiated position encoding.</summary>
internal sealed record Position(int Line, int Character);

/// <summary>A range; <see cref="End"/> is exclusive.</summary>
internal sealed record Range(Position Start, Position End);

internal sealed record Location(string Uri, Range Range);

internal sealed record TextEdit(Range Range, string NewText);

internal sealed record TextDocumentIdentifier(string Uri);

internal sealed record VersionedTextDocumentIdentifier(string Uri, int Version);

internal sealed record OptionalVersionedTextDocumentIdentifier(string Uri, int? Version);

internal sealed record TextDocumentItem(string Uri, string LanguageId, int Version, string Text);

internal sealed record TextDocumentPositionParams(TextDocumentIdentifier TextDocument, Position Position);

internal sealed record TextDocumentEdit(OptionalVersionedTextDocumentIdentifier TextDocument, IReadOnlyList<TextEdit> Edits);

/// <summary>WorkspaceEdit: this server always sends <see cref="Changes"/> (and <see cref="DocumentChanges"/> when the client supports it).</summary>
internal sealed record WorkspaceEdit
{
    public Dictionary<string, IReadOnlyList<TextEdit>>? Changes { get; init; }

    public IReadOnlyList<TextDocumentEdit>? DocumentChanges { get; init; }
}

/// <summary>LSP <c>Command</c>; <see cref="Name"/> is serialized as <c>command</c>.</summary>
internal sealed record Command(string Title, [property: JsonPropertyName("command")] string Name, IReadOnlyList<object?>? Arguments = null);

internal sealed record MarkupContent(string Kind, string Value)
{
    public const string Markdown = "markdown";
    public const string PlainText = "plaintext";
}

internal sealed record WorkspaceFolder(string Uri, string Name);

internal static class DiagnosticSeverity
{
    public const int Error = 1;
    public const int Warning = 2;
    public const int Information = 3;
    public const int Hint = 4;
}

internal sealed record DiagnosticRelatedInformation(Location Location, string Message);

internal sealed record Diagnostic
{
    public required Range Range { get; init; }

    public int? Severity { get; init; }

    public string? Code { get; init; }

    public string? Source { get; init; }

    public required string Message { get; init; }

    public IReadOnlyList<DiagnosticRelatedInformation>? RelatedInformation { get; init; }

    public JsonElement? Data { get; init; }
}

internal sealed record PublishDiagnosticsParams(string Uri, IReadOnlyList<Diagnostic> Diagnostics, int? Version = null);

/// <summary>Error codes of JSON-RPC and LSP 3.17.</summary>
internal static class LspErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ServerNotInitialized = -32002;
    public const int UnknownErrorCode = -32001;
    public const int RequestFailed = -32803;
    public const int ServerCancelled = -32802;
    public const int ContentModified = -32801;
    public const int RequestCancelled = -32800;
}
