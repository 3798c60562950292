using System.Text.Json;

namespace Engram.LanguageServer.Protocol;

internal sealed record CompletionContext(int TriggerKind, string? TriggerCharacter = null);

internal sealed record CompletionParams(TextDocumentIdentifier TextDocument, Position Position, CompletionContext? Context = null);

internal static class CompletionItemKind
{
    public const int Text = 1;
}

internal sealed record CompletionItem
{
    public required string Label { get; init; }

    public int? Kind { get; init; }

    public string? Detail { get; init; }

    public string? SortText { get; init; }

    public string? FilterText { get; init; }

    public TextEdit? TextEdit { get; init; }
}

internal sealed record CompletionList(bool IsIncomplete, IReadOnlyList<CompletionItem> Items);

internal sealed record SelectedCompletionInfo(Range Range, string Text);

/// <summary>LSP 3.18 <c>InlineCompletionContext</c> (triggerKind 1 = Invoked, 2 = Automatic).</summary>
internal sealed record InlineCompletionContext(int TriggerKind, SelectedCompletionInfo? SelectedCompletionInfo = null);

internal sealed record InlineCompletionParams(TextDocumentIdentifier TextDocument, Position Position, InlineCompletionContext? Context = null);

internal sealed record InlineCompletionItem(string InsertText, Range? Range = null, string? FilterText = null, Command? Command = null);

internal sealed record InlineCompletionList(IReadOnlyList<InlineCompletionItem> Items);

internal sealed record HoverParams(TextDocumentIdentifier TextDocument, Position Position);

internal sealed record Hover(MarkupContent Contents, Range? Range = null);

internal sealed record CodeActionContext(IReadOnlyList<Diagnostic>? Diagnostics, IReadOnlyList<string>? Only = null, int? TriggerKind = null);

internal sealed record CodeActionParams(TextDocumentIdentifier TextDocument, Range Range, CodeActionContext? Context);

internal static class CodeActionKind
{
    public const string QuickFix = "quickfix";
    public const string Refactor = "refactor";
    public const string RefactorRewrite = "refactor.rewrite";
    public const string Source = "source";
    public const string Empty = "";
}

internal sealed record CodeAction
{
    public required string Title { get; init; }

    public string? Kind { get; init; }

    public IReadOnlyList<Diagnostic>? Diagnostics { get; init; }

    public bool? IsPreferred { get; init; }

    public WorkspaceEdit? Edit { get; init; }

    public Command? Command { get; init; }

    public JsonElement? Data { get; init; }
}
