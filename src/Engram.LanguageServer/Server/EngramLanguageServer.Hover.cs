using System.Globalization;
using System.Text;
using Engram.Core.Search;
using Engram.LanguageServer.Documents;
using Engram.LanguageServer.Protocol;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace Engram.LanguageServer.Server;

internal sealed partial class EngramLanguageServer
{
    [JsonRpcMethod("textDocument/hover", UseSingleObjectParameterDeserialization = true)]
    public async Task<Hover?> HoverAsync(HoverParams? parameters, CancellationToken cancellationToken)
    {
        Require(parameters?.Position, "position");
        var document = RequireDocument(parameters!.TextDocument);
        var workspace = Workspace;
        await TaskScheduler.Default;
        if (workspace is null || WordAt(document, parameters.Position, Encoding) is not { } word)
        {
            return null;
        }

        var path = LspUris.ToPath(document.Uri);
        var line = parameters.Position.Line + 1;
        IReadOnlyList<SearchHit> hits = [];
        if (path is not null && workspace.FindRoot(path) is not null)
        {
            hits = Others(await workspace.RelatedAsync(path, line, 8, cancellationToken).ConfigureAwait(false), path, line);
        }

        if (hits.Count == 0)
        {
            hits = Others(await workspace.SearchAsync(word.Text, new SearchOptions(Top: 8), cancellationToken).ConfigureAwait(false), path, line);
        }

        if (hits.Count == 0)
        {
            return null;
        }

        var markdown = new StringBuilder();
        markdown.Append(CultureInfo.InvariantCulture, $"**engram** · related to `{word.Text}`\n\n");
        foreach (var hit in hits.Take(5))
        {
            var full = Path.Combine(hit.Root, hit.Path);
            var link = LspUris.FromPath(full) + "#L" + hit.StartLine.ToString(CultureInfo.InvariantCulture);
            var symbol = hit.Symbol is { Length: > 0 } s ? $" `{(hit.Container is { Length: > 0 } c ? c + "." : "")}{s}`" : "";
            markdown.Append(CultureInfo.InvariantCulture, $"- [{hit.Path}:{hit.StartLine}-{hit.EndLine}]({link}){symbol} · {hit.Score:0.00}\n");
        }

        return new Hover(new MarkupContent(MarkupContent.Markdown, markdown.ToString()), word.Range);
    }

    /// <summary>Hits other than the chunk under the caret.</summary>
    private static List<SearchHit> Others(IReadOnlyList<SearchHit> hits, string? path, int line) =>
        hits.Where(h => path is null || !(Path.Combine(h.Root, h.Path) == path && h.StartLine <= line && line <= h.EndLine)).ToList();

    /// <summary>The identifier-like word (letters, digits, underscore) touching the caret, with its range; null when none.</summary>
    internal static (string Text, Protocol.Range Range)? WordAt(TextDocument document, Position position, PositionEncodingKind encoding)
    {
        var offset = document.ToOffset(position, encoding);
        var text = document.Text;
        var start = offset;
        while (start > 0 && IsWordChar(text[start - 1]))
        {
            start--;
        }

        var end = offset;
        while (end < text.Length && IsWordChar(text[end]))
        {
            end++;
        }

        if (end == start)
        {
            return null;
        }

        return (text[start..end], new Protocol.Range(document.ToPosition(start, encoding), document.ToPosition(end, encoding)));
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
