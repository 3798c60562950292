using System.Collections.Concurrent;
using Engram.Files;
using Engram.LanguageServer.Documents;
using Engram.LanguageServer.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace Engram.LanguageServer.Server;

internal sealed partial class EngramLanguageServer
{
    private readonly ConcurrentDictionary<string, TextDocument> _pendingModelUpdates = new(StringComparer.Ordinal);
    private int _modelUpdateScheduled;

    [JsonRpcMethod("textDocument/didOpen", UseSingleObjectParameterDeserialization = true)]
    public void DidOpen(DidOpenTextDocumentParams? parameters)
    {
        if (parameters?.TextDocument?.Uri is null)
        {
            _logger.LogWarning("didOpen without a textDocument.uri; ignored");
            return;
        }

        var document = _documents.Open(parameters.TextDocument);
        ScheduleCompletionModelUpdate(document);
        ScheduleOverlay(document, opened: true);
    }

    [JsonRpcMethod("textDocument/didChange", UseSingleObjectParameterDeserialization = true)]
    public void DidChange(DidChangeTextDocumentParams? parameters)
    {
        if (parameters?.TextDocument?.Uri is not { } uri || parameters.ContentChanges is null)
        {
            _logger.LogWarning("didChange without textDocument.uri or contentChanges; ignored");
            return;
        }

        try
        {
            var document = _documents.Change(uri, parameters.TextDocument.Version, parameters.ContentChanges, Encoding);
            if (document is null)
            {
                _logger.LogWarning("didChange for {Uri}, which is not open; ignored", uri);
                return;
            }

            ScheduleCompletionModelUpdate(document);
            ScheduleOverlay(document, opened: false);
        }
        catch (ArgumentException ex)
        {
            _logger.LogWarning("didChange for {Uri} rejected: {Message}", uri, ex.Message);
        }
    }

    [JsonRpcMethod("textDocument/didClose", UseSingleObjectParameterDeserialization = true)]
    public void DidClose(DidCloseTextDocumentParams? parameters)
    {
        if (parameters?.TextDocument?.Uri is { } uri)
        {
            _documents.Close(uri);
            DropOverlay(uri);
        }
    }

    [JsonRpcMethod("textDocument/didSave", UseSingleObjectParameterDeserialization = true)]
    public void DidSave(DidSaveTextDocumentParams? parameters)
    {
        if (parameters?.TextDocument?.Uri is not { } uri)
        {
            return;
        }

        if (_settings.IndexAutoUpdate)
        {
            RequestIndexUpdate(_options.IndexDebounce);
        }

        if (_settings.ReviewOnSave)
        {
            ScheduleReviewOnSave(uri);
        }
    }

    /// <summary>The open document named by <paramref name="identifier"/> (InvalidParams when the uri is missing, RequestFailed when not open).</summary>
    internal TextDocument RequireDocument(TextDocumentIdentifier? identifier)
    {
        Require(identifier?.Uri, "textDocument.uri");
        return _documents.Get(identifier!.Uri) ?? OpenFromDisk(identifier.Uri)
            ?? throw Error(LspErrorCodes.RequestFailed, $"Document {identifier.Uri} is not open and cannot be read.");
    }

    private static TextDocument? OpenFromDisk(string uri)
    {
        var path = LspUris.ToPath(uri);
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        try
        {
            // A named pipe, a device or an oversized file is refused at once: the request fails, later ones go on.
            return new TextDocument(uri, LanguageIdOf(path), 0, WorkspaceFile.ReadAllText(path, null, WorkspaceFile.DefaultMaxBytes));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static string LanguageIdOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".cs" => "csharp",
        ".ts" => "typescript",
        ".js" => "javascript",
        ".py" => "python",
        ".rs" => "rust",
        ".go" => "go",
        ".md" => "markdown",
        ".json" => "json",
        _ => "plaintext",
    };

    /// <summary>
    /// Feeds changed documents to the word-completion model off the dispatch path, coalescing bursts of keystrokes
    /// into one update per document every 50 ms.
    /// </summary>
    private void ScheduleCompletionModelUpdate(TextDocument document)
    {
        _pendingModelUpdates[document.Uri] = document;
        if (Interlocked.Exchange(ref _modelUpdateScheduled, 1) == 1)
        {
            return;
        }

        RunInBackground("completion update", async token =>
        {
            await Task.Delay(50, token).ConfigureAwait(false);
            Interlocked.Exchange(ref _modelUpdateScheduled, 0);
            foreach (var uri in _pendingModelUpdates.Keys)
            {
                if (_pendingModelUpdates.TryRemove(uri, out var pending))
                {
                    _completionModel?.SetDocument(LspUris.ToPath(uri) ?? uri, pending.Text);
                }
            }
        });
    }
}
