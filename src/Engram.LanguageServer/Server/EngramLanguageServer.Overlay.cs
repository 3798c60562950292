using System.Collections.Concurrent;
using Engram.Files;
using Engram.LanguageServer.Documents;
using Microsoft.Extensions.Logging;

namespace Engram.LanguageServer.Server;

/// <summary>
/// Unsaved edits become searchable at once: open documents' text is laid over the engram index
/// (<see cref="Features.Hosting.EngramWorkspace.SetOverlay"/>) a short debounce after each edit, and removed on
/// didClose and once an index update has seen the saved text.
/// </summary>
internal sealed partial class EngramLanguageServer
{
    // Latest text per uri waiting for the debounce; Opened is true while only didOpen (no edit) is pending.
    private readonly ConcurrentDictionary<string, (TextDocument Document, bool Opened)> _pendingOverlays = new(StringComparer.Ordinal);
    private int _overlayScheduled;

    /// <summary>Queues <paramref name="document"/>'s text for the overlay; bursts of edits are coalesced into one encoding per document.</summary>
    private void ScheduleOverlay(TextDocument document, bool opened)
    {
        if (Workspace is null || LspUris.ToPath(document.Uri) is null)
        {
            return;
        }

        _pendingOverlays.AddOrUpdate(document.Uri, (document, opened), (_, previous) => (document, previous.Opened && opened));
        if (Interlocked.Exchange(ref _overlayScheduled, 1) == 1)
        {
            return;
        }

        RunInBackground("overlay", async token =>
        {
            await Task.Delay(_options.OverlayDebounce, token).ConfigureAwait(false);
            Interlocked.Exchange(ref _overlayScheduled, 0);
            FlushOverlays();
        });
    }

    private void FlushOverlays()
    {
        if (Workspace is not { } workspace)
        {
            return;
        }

        foreach (var uri in _pendingOverlays.Keys)
        {
            if (!_pendingOverlays.TryRemove(uri, out var pending) || LspUris.ToPath(uri) is not { } path || _documents.Get(uri) is null)
            {
                continue;
            }

            // A document opened as saved adds nothing to the index: no overlay until it is edited.
            if (pending.Opened && !workspace.HasOverlay(path) && SameAsDisk(path, pending.Document.Text))
            {
                continue;
            }

            workspace.SetOverlay(path, pending.Document.Text);
            if (_documents.Get(uri) is null)
            {
                // Closed meanwhile.
                workspace.RemoveOverlay(path);
            }
        }
    }

    /// <summary>didClose: the document's overlay (pending or encoded) is dropped; the index is searched again for it.</summary>
    private void DropOverlay(string uri)
    {
        _pendingOverlays.TryRemove(uri, out _);
        if (LspUris.ToPath(uri) is { } path)
        {
            Workspace?.RemoveOverlay(path);
        }
    }

    /// <summary>After an index update: overlays whose text is the saved file's are no longer needed.</summary>
    private void DropSavedOverlays()
    {
        if (Workspace is not { } workspace)
        {
            return;
        }

        foreach (var (uri, document) in _documents.Snapshot)
        {
            if (LspUris.ToPath(uri) is { } path && !_pendingOverlays.ContainsKey(uri) && workspace.HasOverlay(path) && SameAsDisk(path, document.Text))
            {
                workspace.RemoveOverlay(path);
                _logger.LogDebug("Overlay of {Path} dropped: the index has its saved text", path);
            }
        }
    }

    private static bool SameAsDisk(string path, string text)
    {
        try
        {
            var info = new FileInfo(path);
            // UTF-8 takes at least one byte per UTF-16 unit (surrogate pairs: 4 bytes for 2), so a shorter file differs.
            return info.Exists && info.Length >= text.Length && WorkspaceFile.ReadAllText(path, null, WorkspaceFile.DefaultMaxBytes) == text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
