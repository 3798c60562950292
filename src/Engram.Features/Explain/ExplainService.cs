using System.Globalization;
using System.Text;
using Engram.Core.Search;
using Engram.Features.Docs;
using Engram.Features.Hosting;
using Microsoft.Extensions.AI;

namespace Engram.Features.Explain;

/// <summary>An explanation of a piece of code.</summary>
/// <param name="Markdown">The explanation as Markdown (with a "Related code" list of <c>path:start-end</c> links).</param>
/// <param name="Related">The engram chunks elsewhere in the workspace that were given to the model as context.</param>
/// <param name="Model">The model that answered.</param>
public sealed record ExplainResult(string Markdown, IReadOnlyList<SearchHit> Related, string? Model);

/// <summary>Explains a range of code through the router, with related engram chunks from other files as context.</summary>
/// <remarks>
/// Context: the engram neighbours of the selection's chunk (<see cref="EngramWorkspace.RelatedAsync"/>), or, when
/// the file is not indexed, a search with the selected text; chunks overlapping the selection are skipped and at
/// most <see cref="MaxRelated"/> are used. The Markdown ends in a "Related code" list (left out when there is no
/// context). Thread-safe.
/// </remarks>
public sealed class ExplainService
{
    /// <summary>Most related chunks put into the prompt.</summary>
    public const int MaxRelated = 4;

    private const int MaxSelectionChars = 12_000;
    private const int MaxQueryChars = 1_000;

    private readonly EngramWorkspace? _workspace;

    /// <summary>Creates the service over <paramref name="workspace"/> (null: no cross-file context).</summary>
    public ExplainService(EngramWorkspace? workspace) => _workspace = workspace;

    /// <summary>Explains lines <paramref name="startLine"/>..<paramref name="endLine"/> (1-based inclusive) of a document.</summary>
    /// <param name="path">Full path of the document.</param>
    /// <param name="text">Its current text.</param>
    /// <param name="startLine">1-based inclusive.</param>
    /// <param name="endLine">1-based inclusive.</param>
    /// <param name="client">The routed chat client for code actions.</param>
    /// <param name="cancellationToken">Cancels the model call.</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is empty or outside the text.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public async Task<ExplainResult> ExplainAsync(string path, string text, int startLine, int endLine, IChatClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var lines = text.Replace("\r\n", "\n").Split('\n');
        ArgumentOutOfRangeException.ThrowIfLessThan(startLine, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(endLine, startLine);
        if (startLine > lines.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(startLine), $"Line {startLine} is after the end of the text ({lines.Length} lines).");
        }

        endLine = Math.Min(endLine, lines.Length);
        var selection = string.Join('\n', lines[(startLine - 1)..endLine]);
        if (selection.Length > MaxSelectionChars)
        {
            selection = selection[..MaxSelectionChars] + "\n…";
        }

        var root = _workspace?.FindRoot(path);
        var displayPath = root is null ? Path.GetFileName(path) : Path.GetRelativePath(root, Path.GetFullPath(path)).Replace('\\', '/');
        var related = await FindRelatedAsync(path, displayPath, root, selection, startLine, endLine, cancellationToken).ConfigureAwait(false);

        var prompt = new StringBuilder();
        prompt.Append(CultureInfo.InvariantCulture, $"Explain the following code from {displayPath} (lines {startLine}-{endLine}).\n");
        prompt.Append("Say what it does, how it works, and anything surprising or risky. Answer in concise Markdown.\n\n");
        prompt.Append("```\n").Append(selection).Append("\n```\n");
        if (related.Count > 0)
        {
            prompt.Append("\nRelated code elsewhere in the workspace (for context; mention it only where it helps):\n");
            foreach (var hit in related)
            {
                prompt.Append(CultureInfo.InvariantCulture, $"\n{hit.Path}:{hit.StartLine}-{hit.EndLine}{(hit.Symbol is null ? "" : " (" + hit.Symbol + ")")}\n```\n{hit.Snippet}\n```\n");
            }
        }

        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are an expert programmer who explains code clearly and accurately."), new ChatMessage(ChatRole.User, prompt.ToString())],
            new ChatOptions { Temperature = 0.2f },
            cancellationToken).ConfigureAwait(false);

        var markdown = new StringBuilder((response.Text ?? "").Trim());
        if (related.Count > 0)
        {
            markdown.Append("\n\n### Related code\n\n");
            foreach (var hit in related)
            {
                var uri = new Uri(Path.Combine(hit.Root, hit.Path.Replace('/', Path.DirectorySeparatorChar))).AbsoluteUri;
                markdown.Append(CultureInfo.InvariantCulture, $"- [{hit.Path}:{hit.StartLine}-{hit.EndLine}]({uri}#L{hit.StartLine}-L{hit.EndLine})");
                markdown.Append(hit.Symbol is null ? "\n" : $" `{hit.Symbol}`\n");
            }
        }

        return new ExplainResult(markdown.ToString().TrimEnd() + "\n", related, DocCommentGenerator.ModelName(response));
    }

    private async Task<List<SearchHit>> FindRelatedAsync(string path, string relativePath, string? root, string selection, int startLine, int endLine, CancellationToken cancellationToken)
    {
        if (_workspace is null)
        {
            return [];
        }

        IReadOnlyList<SearchHit> hits = [];
        try
        {
            hits = await _workspace.RelatedAsync(path, (startLine + endLine) / 2, MaxRelated * 3, cancellationToken).ConfigureAwait(false);
            if (hits.Count == 0 && !string.IsNullOrWhiteSpace(selection))
            {
                var query = selection.Length > MaxQueryChars ? selection[..MaxQueryChars] : selection;
                hits = await _workspace.SearchAsync(query, new SearchOptions(Top: MaxRelated * 3), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Context is a bonus: an index that cannot be read must not stop the explanation.
            return [];
        }

        return hits
            .Where(h => !(h.Root == root && h.Path == relativePath && h.StartLine <= endLine && startLine <= h.EndLine))
            .Take(MaxRelated)
            .ToList();
    }
}
