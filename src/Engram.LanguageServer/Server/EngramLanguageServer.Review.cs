using System.Collections.Concurrent;
using Engram.Features.Hosting;
using Engram.Features.Review;
using Engram.LanguageServer.Documents;
using Engram.LanguageServer.Protocol;
using Engram.Models.Configuration;
using Microsoft.Extensions.Logging;

namespace Engram.LanguageServer.Server;

internal sealed partial class EngramLanguageServer
{
    private const string ReviewSource = "engram";
    private readonly ReviewService _review = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<Diagnostic>> _published = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _reviewOnSave = new(StringComparer.Ordinal);

    /// <summary>Reviews one document's changed lines (or <paramref name="lines"/>) and publishes the findings; returns their number.</summary>
    internal async Task<int> ReviewDocumentAsync(TextDocument document, (int Start, int End)? lines, CancellationToken cancellationToken)
    {
        var client = RequireClient(ModelTask.Review);
        var path = LspUris.ToPath(document.Uri) ?? throw Error(LspErrorCodes.InvalidParams, $"Invalid params: '{document.Uri}' is not a file URI.");
        var root = Workspace?.FindRoot(path) ?? Path.GetDirectoryName(path)!;
        var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
        var ranges = lines is { } only ? [only] : _review.ChangedLines(root, relative, document.Text);
        var findings = new List<ReviewFinding>();
        foreach (var (start, end) in ranges.Take(8))
        {
            var result = await _review.ReviewRangeAsync(relative, document.Text, start, end, client, cancellationToken).ConfigureAwait(false);
            findings.AddRange(result.Findings);
        }

        var diagnostics = findings.Select(f => ToDiagnostic(document, f)).ToList();
        if (lines is { } range && _published.TryGetValue(document.Uri, out var previous))
        {
            // A range review replaces only the findings inside that range.
            diagnostics.InsertRange(0, previous.Where(d => d.Range.End.Line < range.Start - 1 || d.Range.Start.Line > range.End - 1));
        }

        Publish(document.Uri, diagnostics);
        SendStatus(force: false);
        return findings.Count;
    }

    /// <summary>Reviews the working tree of every root against HEAD and publishes the findings per file.</summary>
    internal async Task<int> ReviewWorkingTreeAsync(CancellationToken cancellationToken)
    {
        var client = RequireClient(ModelTask.Review);
        var count = 0;
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in Workspace?.Roots ?? [])
        {
            ReviewResult result;
            try
            {
                result = await _review.ReviewChangesAsync(root, null, null, client, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                _logger.LogInformation("Root {Root} not reviewed: {Message}", root, ex.Message);
                continue;
            }

            foreach (var group in result.Findings.GroupBy(f => f.Path))
            {
                var full = Path.GetFullPath(Path.Combine(root, group.Key));
                var document = DocumentForPath(full);
                if (document is null)
                {
                    continue;
                }

                Publish(document.Uri, group.Select(f => ToDiagnostic(document, f)).ToList());
                touched.Add(document.Uri);
                count += group.Count();
            }

            foreach (var reviewed in result.ReviewedPaths)
            {
                var uri = DocumentForPath(Path.GetFullPath(Path.Combine(root, reviewed)))?.Uri;
                if (uri is not null && !touched.Contains(uri))
                {
                    Publish(uri, []);
                }
            }
        }

        SendStatus(force: false);
        return count;
    }

    private void ScheduleReviewOnSave(string uri)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        if (_reviewOnSave.TryGetValue(uri, out var previous))
        {
            previous.Cancel();
        }

        _reviewOnSave[uri] = source;
        RunInBackground("review on save", async _ =>
        {
            try
            {
                await Task.Delay(_options.ReviewDebounce, source.Token).ConfigureAwait(false);
                if ((_documents.Get(uri) ?? OpenFromDisk(uri)) is { } document)
                {
                    await ReviewDocumentAsync(document, null, source.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (ModelUnavailableException ex)
            {
                Client.ShowMessageOnce("no-model:review", MessageType.Warning, "Engram review on save: " + ex.Message);
            }
            finally
            {
                _reviewOnSave.TryRemove(new KeyValuePair<string, CancellationTokenSource>(uri, source));
                source.Dispose();
            }
        });
    }

    private void Publish(string uri, IReadOnlyList<Diagnostic> diagnostics)
    {
        _published[uri] = diagnostics;
        Client.Notify("textDocument/publishDiagnostics", new PublishDiagnosticsParams(uri, diagnostics, _documents.Get(uri)?.Version));
    }

    private TextDocument? DocumentForPath(string fullPath)
    {
        foreach (var document in _documents.Snapshot.Values)
        {
            if (LspUris.ToPath(document.Uri) == fullPath)
            {
                return document;
            }
        }

        return OpenFromDisk(LspUris.FromPath(fullPath));
    }

    private Diagnostic ToDiagnostic(TextDocument document, ReviewFinding finding)
    {
        var startLine = Math.Max(1, finding.StartLine);
        var endLine = Math.Max(startLine, finding.EndLine);
        var start = new Position(startLine - 1, 0);
        var endLineText = document.GetLine(endLine - 1);
        var end = document.ToPosition(document.LineStart(endLine - 1) + endLineText.Length, Encoding);
        return new Diagnostic
        {
            Range = new Protocol.Range(start, end),
            Severity = (int)finding.Severity,
            Code = finding.Code,
            Source = ReviewSource,
            Message = finding.Message,
            Data = LspJson.ToElement(new { suggestedFix = finding.SuggestedFix, startLine, endLine, path = finding.Path }),
        };
    }

    /// <summary>The routed client for <paramref name="task"/>; throws <see cref="ModelUnavailableException"/> when none is configured.</summary>
    internal Microsoft.Extensions.AI.IChatClient RequireClient(ModelTask task)
    {
        var models = Models;
        if (models?.TryGetChatClient(task, _settings.ModelName) is { } client)
        {
            return client;
        }

        if (_configError is { } configError)
        {
            throw Error(LspErrorCodes.RequestFailed, configError);
        }

        throw new ModelUnavailableException(task);
    }
}
