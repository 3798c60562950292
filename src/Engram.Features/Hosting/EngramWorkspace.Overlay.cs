using Engram.Core.Indexing;
using Engram.Core.Search;
using Microsoft.Extensions.Logging;

namespace Engram.Features.Hosting;

public sealed partial class EngramWorkspace
{
    private readonly Dictionary<string, OverlayEntry> _overlays = new(StringComparer.Ordinal);
    private readonly Lock _overlayLock = new();
    private readonly CancellationTokenSource _overlayShutdown = new();
    private long _overlayVersion;

    /// <summary>
    /// Lays the unsaved text of a file over the index: once encoded, <see cref="SearchAsync"/> and
    /// <see cref="RelatedAsync"/> rank the file's chunks as typed (never stale) and hide its indexed chunks. Returns at
    /// once; chunking, hypervector encoding and embedding (only of chunks whose content hash is neither stored nor in
    /// the file's previous overlay) run in the background, one encoding at a time per file, later texts superseding
    /// queued ones. Await <see cref="WaitForOverlaysAsync"/> to know it is searchable.
    /// </summary>
    /// <param name="path">Full path of the file (it need not exist on disk).</param>
    /// <param name="text">The file's whole text.</param>
    /// <returns>The overlay version (increasing), or 0 when the overlay is ignored: the path lies outside every root,
    /// is under <c>.git</c>, is ignored by git, or the text is larger than the index's file size limit.</returns>
    /// <remarks>An overlay is searched only in roots that have an index; it stays until <see cref="RemoveOverlay"/>
    /// (also across index updates). Thread-safe.</remarks>
    public long SetOverlay(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        if (_disposed)
        {
            return 0;
        }

        var full = Path.GetFullPath(path);
        if (FindRoot(full) is not { } root || full == root)
        {
            return 0;
        }

        var relative = Path.GetRelativePath(root, full).Replace('\\', '/');
        if (relative.Split('/').Any(s => s is ".git" or "" or "." or "..")
            || text.Length > (_options.Index ?? IndexOptions.Default).MaxFileBytes)
        {
            return 0;
        }

        lock (_overlayLock)
        {
            if (!_overlays.TryGetValue(full, out var entry) || entry.Root != root)
            {
                entry = new OverlayEntry(full, root, relative);
                _overlays[full] = entry;
            }

            if (entry.Ignored)
            {
                return 0;
            }

            if (entry.PendingText is null && entry.Ready is { } ready && ready.Text == text)
            {
                return ready.Document.Version;
            }

            var version = ++_overlayVersion;
            entry.PendingText = text;
            entry.PendingVersion = version;
            if (!entry.Running)
            {
                entry.Running = true;
                entry.Worker = Task.Run(() => PumpOverlayAsync(entry));
            }

            return version;
        }
    }

    /// <summary>Removes the overlay of <paramref name="path"/> (full path): its indexed chunks are searched again. False when it had none.</summary>
    public bool RemoveOverlay(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        lock (_overlayLock)
        {
            if (!_overlays.Remove(full, out var entry))
            {
                return false;
            }

            entry.Removed = true;
            entry.PendingText = null;
            return true;
        }
    }

    /// <summary>True when <paramref name="path"/> (full path) has an overlay, encoded or pending.</summary>
    public bool HasOverlay(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        lock (_overlayLock)
        {
            return _overlays.TryGetValue(Path.GetFullPath(path), out var entry) && !entry.Ignored;
        }
    }

    /// <summary>Completes when every overlay set so far is encoded (or failed, or was superseded and its successor is encoded).</summary>
    public async Task WaitForOverlaysAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            List<Task> running;
            lock (_overlayLock)
            {
                running = _overlays.Values.Select(e => e.Worker).OfType<Task>().Where(t => !t.IsCompleted).ToList();
            }

            if (running.Count == 0)
            {
                return;
            }

            await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The encoded overlays of <paramref name="root"/> (paths relative to it).</summary>
    private List<OverlayDocument> OverlaysOf(string root)
    {
        lock (_overlayLock)
        {
            return _overlays.Count == 0
                ? []
                : _overlays.Values.Where(e => e.Root == root && e.Ready is not null).Select(e => e.Ready!.Document).ToList();
        }
    }

    private async Task PumpOverlayAsync(OverlayEntry entry)
    {
        var first = true;
        while (true)
        {
            string text;
            long version;
            lock (_overlayLock)
            {
                if (entry.PendingText is null || entry.Removed || _disposed)
                {
                    entry.Running = false;
                    return;
                }

                text = entry.PendingText;
                version = entry.PendingVersion;
                entry.PendingText = null;
            }

            try
            {
                if (first && IsIgnoredByGit(entry))
                {
                    lock (_overlayLock)
                    {
                        entry.Ignored = true;
                        entry.PendingText = null;
                        entry.Running = false;
                    }

                    return;
                }

                first = false;
                var searcher = _roots.TryGetValue(entry.Root, out var state) ? state.Searcher ?? TryOpen(state) : null;
                var previous = entry.Ready?.Document;
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var document = await OverlayDocument.EncodeAsync(entry.Relative, text, version, _encoder, _embedder,
                    hashes => KnownEmbeddings(hashes, searcher), previous, _overlayShutdown.Token).ConfigureAwait(false);
                lock (_overlayLock)
                {
                    if (!entry.Removed && (entry.Ready is null || entry.Ready.Document.Version < version))
                    {
                        entry.Ready = new ReadyOverlay(document, text);
                    }
                }

                _logger.LogDebug("Overlay of {Path} (version {Version}): {Chunks} chunks encoded in {Milliseconds:0.0} ms",
                    entry.FullPath, version, document.Chunks.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (OperationCanceledException) when (_overlayShutdown.IsCancellationRequested)
            {
                lock (_overlayLock)
                {
                    entry.Running = false;
                }

                return;
            }
            catch (Exception ex)
            {
                // The previous overlay (if any) stays; the next edit tries again.
                _logger.LogWarning("Overlay of {Path} not encoded: {Message}", entry.FullPath, ex.Message);
            }
        }
    }

    // Embeddings stored in the root's index (the previous overlay's are reused by OverlayDocument itself).
    private static Dictionary<string, float[]> KnownEmbeddings(IReadOnlyCollection<string> hashes, EngramSearcher? searcher)
    {
        if (searcher is null)
        {
            return [];
        }

        try
        {
            return searcher.GetStoredEmbeddings(hashes);
        }
        catch (ObjectDisposedException)
        {
            // The searcher was retired meanwhile: embed instead.
            return [];
        }
    }

    private bool IsIgnoredByGit(OverlayEntry entry)
    {
        try
        {
            using var scanner = new WorkspaceScanner(entry.Root, (_options.Index ?? IndexOptions.Default).MaxFileBytes);
            return scanner.IsIgnored(entry.Relative);
        }
        catch (Exception ex) when (ex is IOException or LibGit2Sharp.LibGit2SharpException)
        {
            return false;
        }
    }

    private void DisposeOverlays()
    {
        _overlayShutdown.Cancel();
        lock (_overlayLock)
        {
            foreach (var entry in _overlays.Values)
            {
                entry.Removed = true;
            }

            _overlays.Clear();
        }
    }

    private sealed record ReadyOverlay(OverlayDocument Document, string Text);

    private sealed class OverlayEntry(string fullPath, string root, string relative)
    {
        public string FullPath { get; } = fullPath;

        public string Root { get; } = root;

        public string Relative { get; } = relative;

        public string? PendingText { get; set; }

        public long PendingVersion { get; set; }

        public ReadyOverlay? Ready { get; set; }

        public Task? Worker { get; set; }

        public bool Running { get; set; }

        public bool Removed { get; set; }

        public bool Ignored { get; set; }
    }
}
