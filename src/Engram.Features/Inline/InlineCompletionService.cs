using System.Collections.Concurrent;
using System.Text;
using Engram.Core.Search;
using Engram.Features.Docs;
using Engram.Features.Hosting;
using Engram.Models.Configuration;
using Engram.Models.Providers.LocalGguf;
using Microsoft.Extensions.AI;

namespace Engram.Features.Inline;

/// <summary>A request for an inline (ghost-text) completion at one caret.</summary>
/// <param name="Path">Full path of the document (it need not be saved).</param>
/// <param name="Text">The document's current text.</param>
/// <param name="Offset">Caret as a UTF-16 offset into <paramref name="Text"/>.</param>
/// <param name="LanguageId">LSP language id, or null.</param>
/// <param name="MaxOutputTokens">Upper bound on generated tokens.</param>
public sealed record InlineCompletionRequest(string Path, string Text, int Offset, string? LanguageId = null, int MaxOutputTokens = 128);

/// <summary>An inline completion.</summary>
/// <param name="InsertText">Text to insert at the caret (may span lines); never empty.</param>
/// <param name="ReplaceStart">UTF-16 offset where the replaced range begins (usually the caret).</param>
/// <param name="ReplaceEnd">UTF-16 offset where it ends (the caret, or later when the model's text overlaps the suffix).</param>
/// <param name="Model">The model that answered, or null when the result was reused from an earlier one.</param>
/// <param name="ContextPaths">Workspace-relative paths of the engram chunks put into the prompt.</param>
/// <param name="Reused">True when the result came from an earlier suggestion the user is typing through.</param>
public sealed record InlineCompletionResult(string InsertText, int ReplaceStart, int ReplaceEnd, string? Model, IReadOnlyList<string> ContextPaths, bool Reused);

/// <summary>
/// Fill-in-the-middle completion through the router: prompt = prefix + suffix + the most relevant engram chunks from
/// other files, trimmed to the model's context window; results reused while the user types through a suggestion.
/// </summary>
/// <remarks>
/// <para>Prompt: when the routed client's first model is a local GGUF model, the request is native FIM (last message
/// = context comments + code before the caret; <see cref="LocalGgufChatClient.FimSuffixProperty"/> = code after
/// it). Other models get an instruction and <c>&lt;prefix&gt;…&lt;/prefix&gt;&lt;suffix&gt;…&lt;/suffix&gt;</c>
/// and are asked for the middle only. The budget is <see cref="ContextTokens"/> × 4 characters minus the output:
/// the prefix (cut from its start) gets up to 60%, the suffix (cut at its end) 15%, and engram chunks of other files
/// (searched with the lines around the caret, written as comments) what is left.</para>
/// <para>Post-processing: a completion that reaches the suffix's first line is cut there; one whose end repeats the
/// start of the rest of the caret's line (e.g. a closing bracket) replaces it (<see cref="InlineCompletionResult.ReplaceEnd"/>);
/// trailing blank lines are trimmed; at most <see cref="MaxLines"/> lines; nothing left means null.</para>
/// <para>Thread-safe. Debouncing and cancellation of superseded requests are the host's job (pass the token).</para>
/// </remarks>
public sealed class InlineCompletionService
{
    /// <summary>Most lines of one completion.</summary>
    public const int MaxLines = 20;

    private const int CharsPerToken = 4;
    private const int ContextHits = 6;
    private const int QueryLinesBefore = 3;

    private const string RemoteInstruction =
        "You are a code completion engine. Complete the code at the cursor: the text between <prefix> and <suffix> is " +
        "missing. Answer with only the missing code, exactly as it should be inserted: no explanation, no code fences, " +
        "and do not repeat the prefix or the suffix.";

    private readonly Func<IChatClient?> _client;
    private readonly EngramWorkspace? _workspace;
    private readonly ConcurrentDictionary<string, LastCompletion> _last = new(StringComparer.Ordinal);

    /// <summary>Creates the service.</summary>
    /// <param name="client">Resolves the routed chat client for inline completion; returning null means no model is configured.</param>
    /// <param name="workspace">The engram memory used for cross-file context, or null for none.</param>
    public InlineCompletionService(Func<IChatClient?> client, EngramWorkspace? workspace)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _workspace = workspace;
    }

    /// <summary>The model's context window in tokens that prompts are trimmed to (default 4096; about 4 characters a token).</summary>
    public int ContextTokens { get; init; } = 4096;

    /// <summary>Returns a completion, or null when the model produced nothing usable.</summary>
    /// <exception cref="ModelUnavailableException">No model is configured for inline completion.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (e.g. superseded by a newer request).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The offset is outside the text.</exception>
    public async Task<InlineCompletionResult?> CompleteAsync(InlineCompletionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(request.Offset, request.Text.Length);
        cancellationToken.ThrowIfCancellationRequested();
        var prefix = request.Text[..request.Offset];
        var suffix = request.Text[request.Offset..];

        if (TryReuse(request.Path, prefix, suffix, request.Offset) is { } reused)
        {
            return reused;
        }

        var client = _client() ?? throw new ModelUnavailableException(ModelTask.Inline);
        var budget = Math.Max(256, (ContextTokens - request.MaxOutputTokens) * CharsPerToken);
        var prefixPart = TrimStart(prefix, budget * 60 / 100);
        var suffixPart = TrimEnd(suffix, budget * 15 / 100);
        var contextBudget = budget - prefixPart.Length - suffixPart.Length;
        var (context, contextPaths) = await BuildContextAsync(request, prefix, suffix, contextBudget, cancellationToken).ConfigureAwait(false);

        var local = client.GetService(typeof(LocalGgufChatClient)) is not null
            || client.GetService<ChatClientMetadata>()?.ProviderName == "local-gguf";
        var options = new ChatOptions { MaxOutputTokens = request.MaxOutputTokens, Temperature = 0.1f };
        List<ChatMessage> messages;
        if (local)
        {
            (options.AdditionalProperties ??= [])[LocalGgufChatClient.FimSuffixProperty] = suffixPart;
            messages = [new ChatMessage(ChatRole.User, context + prefixPart)];
        }
        else
        {
            var user = new StringBuilder();
            if (context.Length > 0)
            {
                user.Append("Related code from other files of the workspace:\n").Append(context).Append('\n');
            }

            user.Append("File: ").Append(RelativePath(request.Path)).Append('\n');
            user.Append("<prefix>").Append(prefixPart).Append("</prefix><suffix>").Append(suffixPart).Append("</suffix>\n");
            user.Append("Answer with the code that goes between the prefix and the suffix.");
            messages = [new ChatMessage(ChatRole.System, RemoteInstruction), new ChatMessage(ChatRole.User, user.ToString())];
        }

        var response = await client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        var raw = response.Text ?? "";
        if (!local)
        {
            raw = StripMarkup(raw);
        }

        var (insert, overlap) = PostProcess(raw, suffix);
        if (insert is null)
        {
            _last.TryRemove(request.Path, out _);
            return null;
        }

        var result = new InlineCompletionResult(insert, request.Offset, request.Offset + overlap, DocCommentGenerator.ModelName(response), contextPaths, false);
        _last[request.Path] = new LastCompletion(prefix, suffix, result);
        return result;
    }

    /// <summary>
    /// Cleans a raw completion against the text after the caret: returns the text to insert (null when nothing is
    /// left) and how many characters of the suffix it replaces.
    /// </summary>
    internal static (string? Insert, int Overlap) PostProcess(string raw, string suffix)
    {
        var text = raw.Replace("\r\n", "\n");

        // Stop where the model reproduces the first non-blank line after the caret's line (indentation included,
        // so an inner block's closing brace does not match the enclosing one's).
        var suffixLines = suffix.Split('\n');
        var caretLineRest = suffixLines[0];
        var suffixLine = suffixLines.Skip(1).Select(l => l.TrimEnd()).FirstOrDefault(l => l.Length > 0);
        if (suffixLine is not null)
        {
            var lines = text.Split('\n');
            for (var i = 1; i < lines.Length; i++)
            {
                if (lines[i].TrimEnd() == suffixLine)
                {
                    text = string.Join('\n', lines[..i]);
                    break;
                }
            }
        }

        // Trailing blank lines, then the line cap.
        var kept = text.Split('\n').ToList();
        while (kept.Count > 0 && kept[^1].Trim().Length == 0)
        {
            kept.RemoveAt(kept.Count - 1);
        }

        if (kept.Count > MaxLines)
        {
            kept.RemoveRange(MaxLines, kept.Count - MaxLines);
        }

        text = string.Join('\n', kept).TrimEnd(' ', '\t');
        if (text.Trim().Length == 0)
        {
            return (null, 0);
        }

        // The end repeats the start of the rest of the caret's line (closing brackets, quotes, punctuation): replace it.
        var overlap = 0;
        var rest = caretLineRest.TrimEnd();
        for (var k = Math.Min(rest.Length, text.Length); k >= 1; k--)
        {
            var repeated = rest[..k];
            if (text.EndsWith(repeated, StringComparison.Ordinal) && repeated.Trim().Length > 0 && !repeated.Any(char.IsLetterOrDigit))
            {
                overlap = k;
                break;
            }
        }

        return (text, overlap);
    }

    private InlineCompletionResult? TryReuse(string path, string prefix, string suffix, int offset)
    {
        if (!_last.TryGetValue(path, out var last) || last.Suffix != suffix || !prefix.StartsWith(last.Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var typed = prefix[last.Prefix.Length..];
        var suggestion = last.Result.InsertText;
        if (typed.Length == 0 || typed.Length >= suggestion.Length || !suggestion.StartsWith(typed, StringComparison.Ordinal))
        {
            return null;
        }

        var overlap = last.Result.ReplaceEnd - last.Result.ReplaceStart;
        return new InlineCompletionResult(suggestion[typed.Length..], offset, offset + overlap, null, last.Result.ContextPaths, true);
    }

    private async Task<(string Context, IReadOnlyList<string> Paths)> BuildContextAsync(InlineCompletionRequest request, string prefix, string suffix, int budget, CancellationToken cancellationToken)
    {
        if (_workspace is null || budget < 200)
        {
            return ("", []);
        }

        // The current line and the few before it say what is being written.
        var before = prefix.Split('\n');
        var query = string.Join('\n', before.TakeLast(QueryLinesBefore + 1)) + suffix.Split('\n')[0];
        if (string.IsNullOrWhiteSpace(query))
        {
            return ("", []);
        }

        IReadOnlyList<SearchHit> hits;
        try
        {
            hits = await _workspace.SearchAsync(query, new SearchOptions(Top: ContextHits), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ("", []); // Context is a bonus; an unreadable index must not stop completion.
        }

        var self = Path.GetFullPath(request.Path);
        var comment = CommentPrefix(request.LanguageId, request.Path);
        var sb = new StringBuilder();
        var paths = new List<string>();
        foreach (var hit in hits)
        {
            if (Path.GetFullPath(Path.Combine(hit.Root, hit.Path)) == self)
            {
                continue;
            }

            var block = new StringBuilder();
            block.Append(comment).Append(" Path: ").Append(hit.Path).Append('\n');
            foreach (var line in hit.Snippet.Split('\n'))
            {
                block.Append(comment).Append(' ').Append(line).Append('\n');
            }

            if (sb.Length + block.Length > budget)
            {
                continue;
            }

            sb.Append(block);
            if (!paths.Contains(hit.Path))
            {
                paths.Add(hit.Path);
            }
        }

        return (sb.ToString(), paths);
    }

    private string RelativePath(string path)
    {
        var root = _workspace?.FindRoot(path);
        return root is null ? Path.GetFileName(path) : Path.GetRelativePath(root, Path.GetFullPath(path)).Replace('\\', '/');
    }

    private static string CommentPrefix(string? languageId, string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (languageId is "python" or "ruby" or "shellscript" or "yaml" or "toml" or "perl" or "r" or "powershell"
            || extension is ".py" or ".rb" or ".sh" or ".bash" or ".yml" or ".yaml" or ".toml" or ".pl" or ".r" or ".ps1")
        {
            return "#";
        }

        return languageId is "sql" or "lua" or "haskell" || extension is ".sql" or ".lua" or ".hs" ? "--" : "//";
    }

    // Keeps the last `max` characters, starting at a line start when one is near.
    private static string TrimStart(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var cut = text.Length - max;
        var newline = text.IndexOf('\n', cut);
        return newline >= 0 && newline - cut < 200 ? text[(newline + 1)..] : text[cut..];
    }

    // Keeps the first `max` characters, ending at a line end when one is near.
    private static string TrimEnd(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var newline = text.LastIndexOf('\n', max);
        return newline >= 0 && max - newline < 200 ? text[..(newline + 1)] : text[..max];
    }

    // Remote models sometimes wrap the middle in fences or echo the markers.
    private static string StripMarkup(string text)
    {
        var trimmed = text.Replace("\r\n", "\n");
        if (trimmed.TrimStart().StartsWith("```", StringComparison.Ordinal))
        {
            trimmed = DocCommentGenerator.StripFences(trimmed);
            trimmed = trimmed.EndsWith('\n') ? trimmed[..^1] : trimmed;
        }

        foreach (var marker in new[] { "<prefix>", "</prefix>", "<suffix>", "</suffix>", "<middle>", "</middle>" })
        {
            trimmed = trimmed.Replace(marker, "", StringComparison.Ordinal);
        }

        return trimmed;
    }

    private sealed record LastCompletion(string Prefix, string Suffix, InlineCompletionResult Result);
}
