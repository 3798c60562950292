using System.Text.Json;
using Engram.Features.Docs;
using Engram.LanguageServer.Documents;
using Engram.LanguageServer.Protocol;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace Engram.LanguageServer.Server;

internal sealed partial class EngramLanguageServer
{
    private readonly DocCommentGenerator _docs = new();

    [JsonRpcMethod("textDocument/codeAction", UseSingleObjectParameterDeserialization = true)]
    public async Task<IReadOnlyList<CodeAction>> CodeActionAsync(CodeActionParams? parameters, CancellationToken cancellationToken)
    {
        Require(parameters?.Range, "range");
        var document = RequireDocument(parameters!.TextDocument);
        var encoding = Encoding;
        await TaskScheduler.Default;
        cancellationToken.ThrowIfCancellationRequested();
        var range = parameters.Range;
        var uri = document.Uri;
        var actions = new List<CodeAction>();

        foreach (var diagnostic in parameters.Context?.Diagnostics ?? [])
        {
            if (diagnostic?.Source == ReviewSource && QuickFixEdit(document, diagnostic, encoding) is { } edit)
            {
                actions.Add(new CodeAction
                {
                    Title = "Engram: apply the suggested fix" + (diagnostic.Code is { } code ? $" ({code})" : ""),
                    Kind = CodeActionKind.QuickFix,
                    Diagnostics = [diagnostic],
                    IsPreferred = true,
                    Edit = WorkspaceEditFor(document, [edit]),
                });
            }
        }

        var rangeArgument = LspJson.ToElement(range);
        var hasSelection = range.Start != range.End;
        if (hasSelection)
        {
            actions.Add(new CodeAction { Title = "Engram: Explain", Kind = CodeActionKind.Empty, Command = new Command("Engram: Explain", CommandNames.Explain, [uri, rangeArgument]) });
            actions.Add(new CodeAction { Title = "Engram: Review selection", Kind = CodeActionKind.Source, Command = new Command("Engram: Review selection", CommandNames.ReviewRange, [uri, rangeArgument]) });
            actions.Add(new CodeAction { Title = "Engram: Refactor selection", Kind = CodeActionKind.RefactorRewrite, Command = new Command("Engram: Refactor selection", CommandNames.Refactor, [uri, rangeArgument]) });
        }
        else
        {
            var line = new Protocol.Range(new Position(range.Start.Line, 0), new Position(range.Start.Line + 1, 0));
            actions.Add(new CodeAction { Title = "Engram: Explain", Kind = CodeActionKind.Empty, Command = new Command("Engram: Explain", CommandNames.Explain, [uri, LspJson.ToElement(line)]) });
        }

        DocComment? skeleton = null;
        try
        {
            var path = LspUris.ToPath(uri) ?? uri;
            var caret = document.ToOffset(range.Start, encoding);
            var position = document.ToPosition(caret, PositionEncodingKind.Utf16);
            skeleton = _docs.CreateSkeleton(path, document.Text, position.Line, position.Character, document.LanguageId);
        }
        catch (NotImplementedException)
        {
            skeleton = null;
        }

        if (skeleton is not null)
        {
            actions.Add(new CodeAction
            {
                Title = $"Engram: Generate documentation{(skeleton.Symbol is { } symbol ? $" for {symbol}" : "")}",
                Kind = CodeActionKind.Source,
                Command = new Command("Engram: Generate documentation", CommandNames.GenerateDocs, [uri, LspJson.ToElement(range.Start)]),
            });
        }

        actions.Add(new CodeAction { Title = "Engram: Review changes in this file", Kind = CodeActionKind.Source, Command = new Command("Engram: Review changes in this file", CommandNames.ReviewChanges, [uri]) });

        if (parameters.Context?.Only is { Count: > 0 } only)
        {
            actions = actions.Where(a => only.Any(kind => a.Kind is { } k && (k == kind || k.StartsWith(kind + ".", StringComparison.Ordinal) || kind.Length == 0))).ToList();
        }

        return actions;
    }

    /// <summary>The whole-line replacement a review diagnostic carries in its data, or null when it has none.</summary>
    private static TextEdit? QuickFixEdit(TextDocument document, Diagnostic diagnostic, PositionEncodingKind encoding)
    {
        if (diagnostic.Data is not { ValueKind: JsonValueKind.Object } data
            || !data.TryGetProperty("suggestedFix", out var fixElement) || fixElement.ValueKind != JsonValueKind.String
            || !data.TryGetProperty("startLine", out var startElement) || !startElement.TryGetInt32(out var startLine)
            || !data.TryGetProperty("endLine", out var endElement) || !endElement.TryGetInt32(out var endLine))
        {
            return null;
        }

        return WholeLinesEdit(document, startLine, endLine, fixElement.GetString() ?? "", encoding);
    }

    /// <summary>Replaces 1-based inclusive lines with <paramref name="replacement"/> (whole lines).</summary>
    internal static TextEdit WholeLinesEdit(TextDocument document, int startLine, int endLine, string replacement, PositionEncodingKind encoding)
    {
        var start = document.LineStart(startLine - 1);
        var end = document.LineStart(endLine);
        var original = document.Text[start..end];
        if (original.Length > 0 && !original.EndsWith('\n') && replacement.EndsWith('\n'))
        {
            // The last line of the file has no line break: keep it that way.
            replacement = replacement.TrimEnd('\n', '\r');
        }

        return new TextEdit(new Protocol.Range(document.ToPosition(start, encoding), document.ToPosition(end, encoding)), replacement);
    }

    internal WorkspaceEdit WorkspaceEditFor(TextDocument document, IReadOnlyList<TextEdit> edits)
    {
        if (Client.Capabilities.Workspace?.WorkspaceEdit?.DocumentChanges == true)
        {
            return new WorkspaceEdit { DocumentChanges = [new TextDocumentEdit(new OptionalVersionedTextDocumentIdentifier(document.Uri, _documents.Get(document.Uri)?.Version), edits)] };
        }

        return new WorkspaceEdit { Changes = new Dictionary<string, IReadOnlyList<TextEdit>> { [document.Uri] = edits } };
    }
}
