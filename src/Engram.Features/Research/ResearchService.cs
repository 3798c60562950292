using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Engram.Core.Search;
using Engram.Features.Hosting;
using Engram.Files;
using Microsoft.Extensions.AI;

namespace Engram.Features.Research;

/// <summary>A verified citation of workspace code.</summary>
/// <param name="Path">Workspace-relative path, forward slashes.</param>
/// <param name="StartLine">1-based inclusive.</param>
/// <param name="EndLine">1-based inclusive.</param>
/// <param name="Root">Full path of the root the file belongs to.</param>
public sealed record Citation(string Path, int StartLine, int EndLine, string Root);

/// <summary>One step of a research run.</summary>
/// <param name="Kind"><c>plan</c>, <c>retrieve</c>, <c>read</c>, <c>synthesize</c>, <c>verify</c> or <c>retry</c>.</param>
/// <param name="Detail">What was done (the sub-question, the query, the files read, the citations dropped).</param>
/// <param name="Elapsed">Wall time of the step.</param>
public sealed record ResearchStep(string Kind, string Detail, TimeSpan Elapsed);

/// <summary>The answer of a research run.</summary>
/// <param name="Answer">Markdown in which every claim cites <c>path:start-end</c>.</param>
/// <param name="Citations">The citations the answer uses, each verified against the files (in range, file exists).</param>
/// <param name="Steps">The steps taken, in order.</param>
/// <param name="Extractive">True when no generation model was available and the answer is ranked passages with citations.</param>
/// <param name="ModelCalls">Number of model calls made.</param>
/// <param name="InputTokens">Input tokens reported by the models (0 when unknown).</param>
/// <param name="OutputTokens">Output tokens reported by the models (0 when unknown).</param>
/// <param name="Models">Names of the models that answered.</param>
public sealed record ResearchResult(
    string Answer,
    IReadOnlyList<Citation> Citations,
    IReadOnlyList<ResearchStep> Steps,
    bool Extractive,
    int ModelCalls,
    long InputTokens,
    long OutputTokens,
    IReadOnlyList<string> Models);

/// <summary>
/// Multi-step answers over the workspace: plan sub-questions, retrieve engram chunks for each, read them, synthesize an
/// answer citing <c>path:start-end</c>, and verify every citation against the files (invalid ones are dropped or the
/// synthesis retried once).
/// </summary>
/// <remarks>
/// The question itself is retrieved for as well as the planned sub-questions. A citation is valid when its file exists in a workspace root (and stays inside it), its range lies within the
/// file, and the range overlaps a chunk that was retrieved for this question: the model may only cite what it was
/// shown. Invalid citations are removed from the answer text; when none valid is left the synthesis is retried once
/// with the list of errors; when the retry cites nothing valid either, the answer falls back to the ranked passages.
/// Thread-safe: a run keeps its state in locals.
/// </remarks>
public sealed partial class ResearchService
{
    /// <summary>Hits retrieved per sub-question.</summary>
    public const int HitsPerQuery = 6;

    /// <summary>Most passages given to the model (and listed in an extractive answer).</summary>
    public const int MaxPassages = 12;

    /// <summary>Most lines of one passage shown to the model.</summary>
    public const int MaxPassageLines = 80;

    private readonly EngramWorkspace _workspace;

    /// <summary>Creates the service over <paramref name="workspace"/>.</summary>
    public ResearchService(EngramWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        _workspace = workspace;
    }

    /// <summary>Researches <paramref name="question"/>.</summary>
    /// <param name="question">The question, non-empty.</param>
    /// <param name="depth">Number of sub-questions to plan, 1–5.</param>
    /// <param name="client">The routed chat client for research, or null for an extractive answer.</param>
    /// <param name="progress">Receives a line per step as it starts, or null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <exception cref="ArgumentException">Empty question or depth out of range.</exception>
    public async Task<ResearchResult> ResearchAsync(string question, int depth, IChatClient? client, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(question))
        {
            throw new ArgumentException("The question is empty.", nameof(question));
        }

        if (depth is < 1 or > 5)
        {
            throw new ArgumentException($"depth must be between 1 and 5 (was {depth}).", nameof(depth));
        }

        var run = new Run(client, progress);

        // Plan.
        IReadOnlyList<string> queries = [question];
        if (client is not null)
        {
            var watch = run.Start("plan", $"Planning up to {depth} sub-questions");
            var response = await run.CallAsync(PlanMessages(question, depth), cancellationToken).ConfigureAwait(false);
            var plan = ParsePlan(response.Text, question, depth);
            run.End(watch, "plan", string.Join(" | ", plan));
            // The question itself is searched too, so a poor plan (small models) cannot starve the answer.
            queries = plan.Contains(question, StringComparer.OrdinalIgnoreCase) ? plan : [.. plan, question];
        }
        else
        {
            run.Steps.Add(new ResearchStep("plan", "No research model: the question is searched as it is (extractive answer).", TimeSpan.Zero));
        }

        // Retrieve.
        var hits = new List<SearchHit>();
        foreach (var query in queries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var watch = run.Start("retrieve", query);
            var found = await _workspace.SearchAsync(query, new SearchOptions(HitsPerQuery), cancellationToken).ConfigureAwait(false);
            hits.AddRange(found);
            run.End(watch, "retrieve", $"{query} → {found.Count} hits");
        }

        // Read: the best distinct chunks, with their current text.
        var readWatch = run.Start("read", "Reading the retrieved chunks");
        var passages = ReadPassages(hits);
        run.End(readWatch, "read", passages.Count == 0
            ? "Nothing retrieved (is the workspace indexed? run index_update)."
            : string.Join(", ", passages.Select(p => p.Label)));

        if (client is null || passages.Count == 0)
        {
            return run.Result(Extractive(question, passages, client is null), passages.Select(p => p.Citation).ToList(), extractive: true);
        }

        // Synthesize, verify, retry once.
        var synthWatch = run.Start("synthesize", $"Answering from {passages.Count} passages");
        var messages = SynthesisMessages(question, passages);
        var answer = (await run.CallAsync(messages, cancellationToken).ConfigureAwait(false)).Text;
        run.End(synthWatch, "synthesize", $"{answer.Length} characters");

        var verifyWatch = run.Start("verify", "Checking every citation against the files");
        var verified = Verify(answer, passages);
        run.End(verifyWatch, "verify", verified.Describe());
        if (verified.Valid.Count == 0)
        {
            var retryWatch = run.Start("retry", "No valid citation: synthesizing again with the errors");
            messages.Add(new ChatMessage(ChatRole.Assistant, answer));
            messages.Add(new ChatMessage(ChatRole.User, RetryPrompt(verified)));
            answer = (await run.CallAsync(messages, cancellationToken).ConfigureAwait(false)).Text;
            verified = Verify(answer, passages);
            run.End(retryWatch, "retry", verified.Describe());
            if (verified.Valid.Count == 0)
            {
                var fallback = "The model's answer cited no verifiable code, so it was replaced by the retrieved passages.\n\n"
                    + Extractive(question, passages, noModel: false);
                return run.Result(fallback, passages.Select(p => p.Citation).ToList(), extractive: true);
            }
        }

        return run.Result(verified.Answer, verified.Valid, extractive: false);
    }

    /// <summary>
    /// Parses the <c>path:start-end</c> (or <c>path:line</c>) citations of <paramref name="text"/>, in order of
    /// appearance, with their character spans. Paths are taken as written (no validation).
    /// </summary>
    public static IReadOnlyList<(string Path, int StartLine, int EndLine, int Index, int Length)> ParseCitations(string text)
    {
        var list = new List<(string, int, int, int, int)>();
        foreach (Match match in CitationPattern().Matches(text))
        {
            if (!int.TryParse(match.Groups["start"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            {
                continue;
            }

            var end = start;
            if (match.Groups["end"].Success && !int.TryParse(match.Groups["end"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out end))
            {
                continue;
            }

            list.Add((match.Groups["path"].Value, start, end, match.Index, match.Length));
        }

        return list;
    }

    // A path has at least one dot or slash (so "step:1-2" prose is not taken for a file), then :start[-end].
    [GeneratedRegex(@"(?<![\w./\\-])(?<path>(?:[\w.\-]+/)*[\w.\-]*[\w\-]\.[\w]+|(?:[\w.\-]+/)+[\w.\-]+):(?<start>\d{1,7})(?:\s*[-–]\s*(?<end>\d{1,7}))?")]
    private static partial Regex CitationPattern();

    private static List<ChatMessage> PlanMessages(string question, int depth) =>
    [
        new(ChatRole.System,
            "You plan code research. Split the user's question about their codebase into at most " + depth.ToString(CultureInfo.InvariantCulture) +
            " short search queries (identifiers and key words) that together find the code needed to answer it. " +
            "Answer with a JSON array of strings only."),
        new(ChatRole.User, question),
    ];

    /// <summary>The sub-questions of a plan answer: a JSON array, or else one per non-empty line; the question itself when none.</summary>
    internal static IReadOnlyList<string> ParsePlan(string text, string question, int depth)
    {
        var items = new List<string>();
        var parsedJson = false;
        var trimmed = text.Trim();
        var open = trimmed.IndexOf('[', StringComparison.Ordinal);
        var close = trimmed.LastIndexOf(']');
        if (open >= 0 && close > open)
        {
            try
            {
                using var document = JsonDocument.Parse(trimmed[open..(close + 1)]);
                if (document.RootElement.ValueKind == JsonValueKind.Array)
                {
                    parsedJson = true;
                    items.AddRange(document.RootElement.EnumerateArray()
                        .Where(e => e.ValueKind == JsonValueKind.String)
                        .Select(e => e.GetString()!));
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: fall through to lines.
            }
        }

        if (!parsedJson)
        {
            items.AddRange(trimmed.Split('\n').Select(l => l.Trim().TrimStart('-', '*', ' ', '\t').TrimStart("0123456789.)".ToCharArray()).Trim()));
        }

        var result = items
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Select(s => s.Trim())
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Take(depth)
            .ToList();
        return result.Count > 0 ? result : [question];
    }

    private List<Passage> ReadPassages(List<SearchHit> hits)
    {
        var passages = new List<Passage>();
        var seen = new HashSet<(string, string, int, int)>();
        foreach (var hit in hits.OrderByDescending(h => h.Score))
        {
            if (passages.Count >= MaxPassages || !seen.Add((hit.Root, hit.Path, hit.StartLine, hit.EndLine)))
            {
                continue;
            }

            var lines = ReadLines(hit.Root, hit.Path);
            if (lines is null || hit.StartLine > lines.Length)
            {
                continue; // Deleted or shrunk since indexing: nothing citable there.
            }

            var end = Math.Min(hit.EndLine, lines.Length);
            var shownEnd = Math.Min(end, hit.StartLine + MaxPassageLines - 1);
            var code = string.Join('\n', lines[(hit.StartLine - 1)..shownEnd]);
            passages.Add(new Passage(new Citation(hit.Path, hit.StartLine, end, hit.Root), hit.Symbol, hit.Score, code, shownEnd < end));
        }

        return passages;
    }

    private static string[]? ReadLines(string root, string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(root, relativePath));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
        {
            return null;
        }

        try
        {
            var text = WorkspaceFile.ReadAllText(full, root, WorkspaceFile.DefaultMaxBytes);
            return text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static List<ChatMessage> SynthesisMessages(string question, List<Passage> passages)
    {
        var builder = new StringBuilder();
        builder.Append("Question: ").Append(question).Append("\n\nPassages from the workspace:\n");
        foreach (var passage in passages)
        {
            builder.Append("\n### ").Append(passage.Label);
            if (passage.Symbol is not null)
            {
                builder.Append(" (").Append(passage.Symbol).Append(')');
            }

            builder.Append("\n```\n").Append(passage.Code).Append(passage.Truncated ? "\n…" : "").Append("\n```\n");
        }

        return
        [
            new(ChatRole.System,
                "You answer questions about a codebase using only the passages given. Write concise Markdown. " +
                "After every claim cite the code it rests on as path:start-end (for example src/App.cs:10-24), " +
                "using only paths and line ranges inside the passages shown. Do not invent files or lines. " +
                "If the passages do not answer the question, say so."),
            new(ChatRole.User, builder.ToString()),
        ];
    }

    private static string RetryPrompt(Verification verified)
    {
        var builder = new StringBuilder("Your answer had no valid citation. ");
        if (verified.Errors.Count == 0)
        {
            builder.Append("It cited nothing. ");
        }
        else
        {
            builder.Append("These citations were rejected:\n");
            foreach (var error in verified.Errors)
            {
                builder.Append("- ").Append(error).Append('\n');
            }
        }

        builder.Append("Answer again, citing as path:start-end only the passages shown above.");
        return builder.ToString();
    }

    private Verification Verify(string answer, List<Passage> passages)
    {
        var valid = new List<Citation>();
        var errors = new List<string>();
        var text = new StringBuilder();
        var last = 0;
        foreach (var (path, start, end, index, length) in ParseCitations(answer))
        {
            var error = Check(path, start, end, passages, out var citation);
            text.Append(answer, last, index - last);
            last = index + length;
            if (error is null)
            {
                text.Append(answer, index, length);
                if (!valid.Contains(citation!))
                {
                    valid.Add(citation!);
                }
            }
            else
            {
                errors.Add($"{path}:{start}-{end}: {error}");
            }
        }

        text.Append(answer, last, answer.Length - last);
        var cleaned = errors.Count == 0 ? answer : EmptyCitationLeftovers().Replace(text.ToString(), "");
        return new Verification(cleaned.Trim(), valid, errors);
    }

    // What removing a citation can leave behind: "()", "[]", "``" and doubled separators.
    [GeneratedRegex(@"\s*(\(\s*\)|\[\s*\]|``)")]
    private static partial Regex EmptyCitationLeftovers();

    private string? Check(string path, int start, int end, List<Passage> passages, out Citation? citation)
    {
        citation = null;
        if (start < 1 || end < start)
        {
            return "the range is empty or starts before line 1";
        }

        var normalized = path.Replace('\\', '/');
        while (normalized.StartsWith("./", StringComparison.Ordinal))
        {
            normalized = normalized[2..];
        }

        if (normalized.Split('/').Any(s => s is ".." or ".git"))
        {
            return "the path leaves the workspace or points into .git";
        }

        var candidates = passages.Select(p => p.Citation.Root).Distinct().Concat(_workspace.Roots).Distinct();
        foreach (var root in candidates)
        {
            if (ReadLines(root, normalized) is not { } lines)
            {
                continue;
            }

            var count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
            if (end > count)
            {
                return $"the file has {count} lines";
            }

            var overlaps = passages.Any(p => p.Citation.Root == root && p.Citation.Path == normalized
                && p.Citation.StartLine <= end && start <= p.Citation.EndLine);
            if (!overlaps)
            {
                return "the range overlaps no retrieved passage";
            }

            citation = new Citation(normalized, start, end, root);
            return null;
        }

        return "no such file in the workspace";
    }

    private static string Extractive(string question, List<Passage> passages, bool noModel)
    {
        var builder = new StringBuilder();
        if (noModel)
        {
            builder.Append("**Extractive answer** (no model is configured for research; these are the passages of the workspace most relevant to the question, best first).\n\n");
        }

        builder.Append("Question: ").Append(question).Append("\n\n");
        if (passages.Count == 0)
        {
            builder.Append("No indexed code matched the question. Is the workspace indexed? (run `index_update` or `engram index`).\n");
            return builder.ToString();
        }

        var rank = 1;
        foreach (var passage in passages)
        {
            builder.Append(rank++).Append(". ").Append(passage.Label);
            if (passage.Symbol is not null)
            {
                builder.Append(" — `").Append(passage.Symbol).Append('`');
            }

            builder.Append(" (score ").Append(passage.Score.ToString("0.000", CultureInfo.InvariantCulture)).Append(")\n");
            var preview = string.Join('\n', passage.Code.Split('\n').Take(12));
            builder.Append("```\n").Append(preview).Append("\n```\n");
        }

        return builder.ToString();
    }

    private sealed record Passage(Citation Citation, string? Symbol, double Score, string Code, bool Truncated)
    {
        public string Label => $"{Citation.Path}:{Citation.StartLine}-{Citation.EndLine}";
    }

    private sealed record Verification(string Answer, List<Citation> Valid, List<string> Errors)
    {
        public string Describe() => Errors.Count == 0
            ? $"{Valid.Count} citations valid"
            : $"{Valid.Count} citations valid; dropped: {string.Join("; ", Errors)}";
    }

    private sealed class Run(IChatClient? client, IProgress<string>? progress)
    {
        private readonly List<string> _models = [];
        private int _calls;
        private long _input;
        private long _output;

        public List<ResearchStep> Steps { get; } = [];

        public Stopwatch Start(string kind, string detail)
        {
            progress?.Report($"{kind}: {detail}");
            return Stopwatch.StartNew();
        }

        public void End(Stopwatch watch, string kind, string detail) => Steps.Add(new ResearchStep(kind, detail, watch.Elapsed));

        public async Task<ChatResponse> CallAsync(List<ChatMessage> messages, CancellationToken cancellationToken)
        {
            _calls++;
            var response = await client!.GetResponseAsync(messages, new ChatOptions { Temperature = 0.2f }, cancellationToken).ConfigureAwait(false);
            _input += response.Usage?.InputTokenCount ?? 0;
            _output += response.Usage?.OutputTokenCount ?? 0;
            if (!string.IsNullOrEmpty(response.ModelId) && !_models.Contains(response.ModelId))
            {
                _models.Add(response.ModelId);
            }

            return response;
        }

        public ResearchResult Result(string answer, List<Citation> citations, bool extractive) =>
            new(answer, citations, Steps, extractive, _calls, _input, _output, _models);
    }
}
