using System.Globalization;
using Engram.Features.Completion;
using Engram.Features.Hosting;
using Engram.Features.Inline;
using Engram.LanguageServer.Documents;
using Engram.LanguageServer.Protocol;
using Engram.Models.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace Engram.LanguageServer.Server;

internal sealed partial class EngramLanguageServer
{
    private const int CompletionContextLines = 20;
    private InlineCompletionService? _inline;

    [JsonRpcMethod("textDocument/completion", UseSingleObjectParameterDeserialization = true)]
    public async Task<CompletionList> CompletionAsync(CompletionParams? parameters, CancellationToken cancellationToken)
    {
        Require(parameters?.Position, "position");
        var document = RequireDocument(parameters!.TextDocument);
        var model = _completionModel;
        if (!_settings.CompletionEnabled || model is null)
        {
            return new CompletionList(false, []);
        }

        using var lease = _supersede.Begin("completion:" + document.Uri, cancellationToken);
        var token = lease.Token;
        await TaskScheduler.Default;
        token.ThrowIfCancellationRequested();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var list = Complete(model, document, parameters.Position, Encoding);
        Client.LogTrace(string.Create(CultureInfo.InvariantCulture, $"textDocument/completion: {list.Items.Count} items in {watch.Elapsed.TotalMilliseconds:0.000} ms"));
        return list;
    }

    /// <summary>Next-word completion at <paramref name="position"/>: items whose textEdit replaces the partial word.</summary>
    internal static CompletionList Complete(WordCompletionModel model, TextDocument document, Position position, PositionEncodingKind encoding)
    {
        var caret = document.ToOffset(position, encoding);
        var start = document.LineStart(Math.Max(0, position.Line - CompletionContextLines));
        // The model holds the open document under the key ScheduleCompletionModelUpdate feeds it with.
        var result = model.Complete(document.Text[start..caret], document.LanguageId, 20, LspUris.ToPath(document.Uri) ?? document.Uri);
        var replaceStart = document.ToPosition(start + result.PrefixStart, encoding);
        var replaceEnd = document.ToPosition(caret, encoding);
        var items = new List<CompletionItem>(result.Suggestions.Count);
        for (var i = 0; i < result.Suggestions.Count; i++)
        {
            var suggestion = result.Suggestions[i];
            items.Add(new CompletionItem
            {
                Label = suggestion.Word,
                Kind = CompletionItemKind.Text,
                Detail = string.Create(CultureInfo.InvariantCulture, $"engram · {suggestion.Score:0.00}"),
                SortText = i.ToString("D4", CultureInfo.InvariantCulture),
                FilterText = suggestion.Word,
                TextEdit = new TextEdit(new Protocol.Range(replaceStart, replaceEnd), suggestion.Word),
            });
        }

        // Incomplete: the next keystroke changes the n-gram context, so clients should ask again.
        return new CompletionList(true, items);
    }

    [JsonRpcMethod("textDocument/inlineCompletion", UseSingleObjectParameterDeserialization = true)]
    public async Task<InlineCompletionList> InlineCompletionAsync(InlineCompletionParams? parameters, CancellationToken cancellationToken)
    {
        Require(parameters?.Position, "position");
        var document = RequireDocument(parameters!.TextDocument);
        if (!_settings.InlineCompletionEnabled)
        {
            return new InlineCompletionList([]);
        }

        using var lease = _supersede.Begin("inline:" + document.Uri, cancellationToken);
        var token = lease.Token;
        await TaskScheduler.Default;
        try
        {
            var debounce = _settings.InlineCompletionDebounceMs;
            if (debounce > 0 && parameters.Context?.TriggerKind != 1)
            {
                await Task.Delay(debounce, token).ConfigureAwait(false);
            }

            var watch = System.Diagnostics.Stopwatch.StartNew();
            var caret = document.ToOffset(parameters.Position, Encoding);
            var service = _inline ??= new InlineCompletionService(() => Models?.TryGetChatClient(ModelTask.Inline, _settings.ModelName), Workspace);
            var path = LspUris.ToPath(document.Uri) ?? document.Uri;
            var result = await service.CompleteAsync(new InlineCompletionRequest(path, document.Text, caret, document.LanguageId), token).ConfigureAwait(false);
            SendStatus(force: false);
            Client.LogTrace(string.Create(CultureInfo.InvariantCulture, $"textDocument/inlineCompletion: {(result is null ? "nothing" : result.Model ?? "reused")} in {watch.Elapsed.TotalMilliseconds:0.000} ms"));
            if (result is null || result.InsertText.Length == 0)
            {
                return new InlineCompletionList([]);
            }

            var range = new Protocol.Range(document.ToPosition(result.ReplaceStart, Encoding), document.ToPosition(result.ReplaceEnd, Encoding));
            return new InlineCompletionList([new InlineCompletionItem(result.InsertText, range)]);
        }
        catch (ModelUnavailableException ex)
        {
            Client.ShowMessageOnce("no-model:inline", MessageType.Warning, "Engram inline completion: " + ex.Message);
            return new InlineCompletionList([]);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Error(LspErrorCodes.ContentModified, "Superseded by a newer inline completion request.");
        }
    }

    private async Task TrainCompletionModelAsync(CancellationToken cancellationToken)
    {
        var roots = Workspace?.Roots ?? [];
        if (roots.Count == 0)
        {
            return;
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var progress = await Client.BeginProgressAsync("Engram: learning the workspace's words", null, cancellationToken).ConfigureAwait(false);
        WordCompletionModel trained;
        try
        {
            trained = await WordCompletionModel.TrainAsync(roots, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            progress.End();
        }

        // Open documents are newer than the files on disk: layer them over the trained counts, then swap.
        foreach (var document in _documents.Snapshot.Values)
        {
            trained.SetDocument(LspUris.ToPath(document.Uri) ?? document.Uri, document.Text);
        }

        _completionModel = trained;
        foreach (var document in _documents.Snapshot.Values)
        {
            ScheduleCompletionModelUpdate(document);
        }

        _logger.LogInformation("Word completion trained on {Documents} documents ({Tokens} tokens) in {Seconds:0.00} s",
            trained.DocumentCount, trained.TokenCount, started.Elapsed.TotalSeconds);
    }
}
