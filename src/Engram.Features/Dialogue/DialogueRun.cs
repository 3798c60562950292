using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Engram.Core.Search;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Engram.Features.Dialogue;

// One execution (or resumption) of a stored dialogue. The schedule is a pure function of the mode and the outputs of
// earlier turns, so replaying committed turns (by slot) reproduces the same state and runs only what is missing.
internal sealed partial class DialogueRun
{
    private readonly DialogueService _service;
    private readonly StoredDialogue _dialogue;
    private readonly ModeDefinition _mode;
    private readonly IProgress<string>? _progress;
    private readonly Dictionary<int, StoredTurn> _committed;
    private readonly List<StoredTurn> _executed = [];
    private readonly string[]? _models;
    private readonly Lock _gate = new();
    private decimal _spent;
    private decimal _reserved;
    private int _nextSeq;

    public DialogueRun(DialogueService service, StoredDialogue dialogue, IProgress<string>? progress)
    {
        _service = service;
        _dialogue = dialogue;
        _progress = progress;
        _mode = ModeDefinition.FromResolved(JsonNode.Parse(dialogue.ModeJson)!.AsObject(), $"stored mode of {dialogue.Id}");
        _committed = service.Store.GetTurns(dialogue.Id).ToDictionary(t => t.Seq);
        _models = dialogue.ModelsCsv?.Split(',', StringSplitOptions.RemoveEmptyEntries);
    }

    public int TurnCount => _executed.Count;

    public decimal Spent => _spent;

    private enum Outcome { Done, CostLimited, Failed }

    private sealed record TurnResult(Outcome Outcome, StoredTurn? Turn, string? Error);

    public async Task<(DialogueStatus Status, string? Error)> RunAsync(CancellationToken ct)
    {
        var maxTurns = _mode.MaxTurns ?? (_mode.Convergence is not null ? 10 : int.MaxValue);
        while (true)
        {
            foreach (var phase in _mode.Phases)
            {
                var groups = phase.Parallel ? [phase.Turns] : phase.Turns.Select(t => (IReadOnlyList<string>)[t]).ToList();
                foreach (var group in groups)
                {
                    var room = maxTurns - _executed.Count;
                    if (room <= 0)
                    {
                        return (DialogueStatus.Completed, null);
                    }

                    var (status, error) = await RunGroupAsync(group.Take(room).ToList(), phase.Name, ct).ConfigureAwait(false);
                    if (status is not null)
                    {
                        return (status.Value, error);
                    }
                }
            }

            if (_mode.Convergence is null || _executed.Count >= maxTurns)
            {
                break;
            }
        }

        if (_mode.Judge is { } judge)
        {
            while (_executed.Count < maxTurns)
            {
                var lastJudge = _executed.FindLastIndex(t => t.TurnId == judge.Turn);
                var score = lastJudge >= 0 ? _executed[lastJudge].Score : null;
                if (score is null || score >= judge.Threshold)
                {
                    break;
                }

                var lastRefine = _executed.FindLastIndex(t => t.TurnId == judge.RefineTurn);
                var next = lastRefine > lastJudge ? judge.Turn : judge.RefineTurn;
                var (status, error) = await RunGroupAsync([next], "refinement", ct).ConfigureAwait(false);
                if (status is not null)
                {
                    return (status.Value, error);
                }
            }
        }

        return (DialogueStatus.Completed, null);
    }

    // Runs one group (concurrently when it has several turns); null status means "go on".
    private async Task<(DialogueStatus? Status, string? Error)> RunGroupAsync(IReadOnlyList<string> ids, string phase, CancellationToken ct)
    {
        var snapshot = _executed.ToList();
        var slots = ids.Select(id => (Turn: _mode.Turn(id), Seq: _nextSeq++, Round: snapshot.Count(t => t.TurnId == id) + 1)).ToList();
        var tasks = slots.Select(s => RunOrReplayAsync(s.Turn, s.Seq, s.Round, phase, snapshot, ct)).ToList();
        TurnResult[] results;
        try
        {
            results = await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw;
        }

        foreach (var r in results.Where(r => r.Turn is not null))
        {
            _executed.Add(r.Turn!);
        }

        if (results.FirstOrDefault(r => r.Outcome == Outcome.Failed) is { } failed)
        {
            return (DialogueStatus.Failed, failed.Error);
        }

        if (results.FirstOrDefault(r => r.Outcome == Outcome.CostLimited) is { } limited)
        {
            return (DialogueStatus.CostLimited, limited.Error);
        }

        if (_mode.Convergence is { } convergence && results.Any(r => r.Turn?.Similarity >= convergence.Threshold && convergence.Between.Contains(r.Turn.TurnId)))
        {
            return (DialogueStatus.Converged, null);
        }

        return (null, null);
    }

    private async Task<TurnResult> RunOrReplayAsync(TurnSpec turn, int seq, int round, string phase, List<StoredTurn> before, CancellationToken ct)
    {
        if (_committed.TryGetValue(seq, out var stored))
        {
            if (stored.TurnId != turn.Id)
            {
                return new TurnResult(Outcome.Failed, null, $"stored turn {seq} is '{stored.TurnId}' but the mode schedules '{turn.Id}' there; the dialogue cannot be resumed");
            }

            lock (_gate)
            {
                _spent += stored.Cost;
            }

            return new TurnResult(Outcome.Done, stored, null);
        }

        await Task.Yield();
        return await RunTurnAsync(turn, seq, round, phase, before, ct).ConfigureAwait(false);
    }

    private async Task<TurnResult> RunTurnAsync(TurnSpec turn, int seq, int round, string phase, List<StoredTurn> before, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var config = _service.Models.Config;
        var intended = Intended(turn);
        var routerTop = CapabilityRouter.Rank(config, ModelTask.Dialogue).FirstOrDefault();
        var expected = intended ?? routerTop;
        var maxOut = turn.MaxTokens ?? _service.DefaultMaxOutputTokens;

        var prompt = await BuildPromptAsync(turn, before, expected, maxOut, ct).ConfigureAwait(false);
        List<ChatMessage> messages =
        [
            new(ChatRole.System, $"You are the {turn.Role} in a '{_mode.Name}' dialogue. Answer directly and concisely."),
            new(ChatRole.User, prompt),
        ];

        // Reserve the turn's maximum cost before running it.
        var inputEstimate = BudgetChatClient.EstimateInputTokens(messages);
        var candidates = new List<ModelDefinition>();
        if (intended is not null)
        {
            candidates.Add(intended);
        }

        candidates.AddRange(CapabilityRouter.Rank(config, ModelTask.Dialogue));
        var needed = expected?.CostUsd(inputEstimate, maxOut) ?? 0m;
        var wanted = candidates.Count == 0 ? 0m : candidates.Max(m => m.CostUsd(inputEstimate, maxOut));
        decimal reservation;
        lock (_gate)
        {
            if (_dialogue.MaxCost is { } cap)
            {
                var remaining = cap - _spent - _reserved;
                if (remaining < needed)
                {
                    return new TurnResult(Outcome.CostLimited, null,
                        $"turn '{turn.Id}' may cost up to {DialogueService.Money(needed)} USD but only {DialogueService.Money(Math.Max(0, remaining))} of {DialogueService.Money(cap)} remain");
                }

                reservation = Math.Min(remaining, Math.Max(wanted, needed));
            }
            else
            {
                reservation = wanted;
            }

            _reserved += reservation;
        }

        try
        {
            var options = new ChatOptions { MaxOutputTokens = maxOut };
            (options.AdditionalProperties ??= [])[ModelRouter.CorrelationIdPropertyName] = _dialogue.Id;
            options = _dialogue.MaxCost is not null
                ? options.WithBudgetScope($"{_dialogue.Id}#{seq}", reservation)
                : options.WithBudgetScope(_dialogue.Id);

            ChatResponse response;
            string? substitution = null;
            string model;
            try
            {
                (response, model, substitution) = await CallAsync(intended, routerTop, messages, options, ct).ConfigureAwait(false);
            }
            catch (BudgetExceededException e)
            {
                return new TurnResult(Outcome.CostLimited, null, $"turn '{turn.Id}': {e.Message}");
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                _service.Logger.LogWarning("Dialogue {DialogueId} turn {TurnId} failed with every model: {Error}", _dialogue.Id, turn.Id, e.Message);
                return new TurnResult(Outcome.Failed, null, $"turn '{turn.Id}' failed: {e.Message}");
            }

            var answered = config.Models.FirstOrDefault(m => m.Name == model);
            var input = response.Usage?.InputTokenCount ?? inputEstimate;
            var output = response.Usage?.OutputTokenCount ?? ((response.Text?.Length ?? 0) + 3) / 4;
            var cost = answered?.CostUsd(input, output) ?? 0m;
            var text = response.Text?.Trim() ?? "";
            lock (_gate)
            {
                _spent += cost;
                _reserved -= reservation;
                reservation = 0;
            }

            if (turn.Spawn is { } spawn && _dialogue.Depth < spawn.MaxDepth)
            {
                var (merged, childCost) = await SpawnAsync(turn, spawn, seq, text, before, ct).ConfigureAwait(false);
                text = merged;
                cost += childCost;
            }

            double? score = _mode.Judge?.Turn == turn.Id ? ParseScore(text) : null;
            double? similarity = null;
            if (_mode.Convergence is { } convergence && convergence.Between.Contains(turn.Id) && before.LastOrDefault(t => t.TurnId == turn.Id) is { } previous)
            {
                try
                {
                    similarity = await _service.Similarity(previous.Output, text, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // An embedder that cannot load must not lose the turn: fall back to the lexical cosine.
                    _service.Logger.LogWarning("Dialogue {DialogueId}: similarity failed ({Error}); using the lexical cosine", _dialogue.Id, e.Message);
                    similarity = TextSimilarity.Lexical(previous.Output, text);
                }
            }

            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var stored = new StoredTurn(seq, turn.Id, round, turn.Role, phase, expected?.Name, model, substitution, prompt, text, input, output, cost, latency, score, similarity, DateTimeOffset.UtcNow);
            ct.ThrowIfCancellationRequested();
            _service.Store.AddTurn(_dialogue.Id, stored);
            _service.Logger.LogInformation(
                "Dialogue {DialogueId} turn {Seq} {TurnId} ({Role}) by {Model}{Substitution}: {LatencyMs:F0} ms, {InputTokens} in, {OutputTokens} out, {Cost} USD",
                _dialogue.Id, seq, turn.Id, turn.Role, model, substitution is null ? "" : " (substituted)", latency, input, output, DialogueService.Money(cost));
            _progress?.Report($"[{seq + 1}] {turn.Role} ({turn.Id}) by {model}: {latency:F0} ms, {DialogueService.Money(cost)} USD");
            _service.TurnCommitted?.Invoke(_dialogue.Id, seq);
            return new TurnResult(Outcome.Done, stored, null);
        }
        finally
        {
            lock (_gate)
            {
                _reserved -= reservation;
            }
        }
    }

    // Intended model first (direct, through a budget decorator), then the router's dialogue pipeline.
    private async Task<(ChatResponse Response, string Model, string? Substitution)> CallAsync(
        ModelDefinition? intended, ModelDefinition? routerTop, List<ChatMessage> messages, ChatOptions options, CancellationToken ct)
    {
        var models = _service.Models;
        string? substitution = null;
        if (intended is not null && intended.Name != routerTop?.Name)
        {
            try
            {
                var client = new BudgetChatClient(
                    new RouterPropertiesRemover(models.Registry.GetChatClient(intended.Name)), intended, models.Router.Ledger,
                    new BudgetChatClientOptions { Budgets = models.Config.Budgets, Task = ModelTask.Dialogue, DefaultMaxOutputTokens = _service.DefaultMaxOutputTokens });
                var direct = await client.GetResponseAsync(messages, options, ct).ConfigureAwait(false);
                return (direct, intended.Name, null);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                substitution = $"{intended.Name} failed ({e.GetType().Name}: {e.Message})";
            }
        }

        var response = await models.Router.GetChatClient(ModelTask.Dialogue).GetResponseAsync(messages, options, ct).ConfigureAwait(false);
        var model = response.ModelId ?? routerTop?.Name ?? "unknown";
        var expected = intended ?? routerTop;
        if (expected is not null && model != expected.Name)
        {
            substitution = (substitution ?? $"{expected.Name} did not answer") + $"; the router's fallback {model} answered";
        }
        else if (substitution is not null)
        {
            substitution += $"; the router's {model} answered";
        }

        return (response, model, substitution);
    }

    private ModelDefinition? Intended(TurnSpec turn)
    {
        var config = _service.Models.Config;
        if (_models is { Length: > 0 } list)
        {
            return config.Models.FirstOrDefault(m => m.Name == list[(turn.Position - 1) % list.Length]);
        }

        if (turn.Participant.Model is { } name)
        {
            return config.Models.FirstOrDefault(m => m.Name == name);
        }

        var required = turn.Participant.Capabilities.Select(c => (ModelCapability)ConfigNames.Capabilities.ToList().IndexOf(c)).Where(c => (int)c >= 0).ToList();
        var ranked = CapabilityRouter.Rank(config, ModelTask.Dialogue).Select(m => m.Name).ToList();
        var prefer = turn.Participant.Prefer.ToList();
        return config.Models
            .Where(m => m.HasAll(required) && !m.Capabilities.SequenceEqual([ModelCapability.Embedding]))
            .OrderBy(m => prefer.IndexOf(m.Name) is var i && i >= 0 ? i : int.MaxValue)
            .ThenBy(m => ranked.IndexOf(m.Name) is var r && r >= 0 ? r : int.MaxValue)
            .ThenByDescending(m => m.Priority)
            .ThenBy(m => m.CostPerMillionInput + m.CostPerMillionOutput)
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private async Task<string> BuildPromptAsync(TurnSpec turn, List<StoredTurn> before, ModelDefinition? model, int maxOut, CancellationToken ct)
    {
        var topic = _dialogue.Topic;
        string? Resolve(string name, string? context)
        {
            switch (name)
            {
                case "topic":
                    return topic;
                case "previous":
                    return before.Count > 0 ? before[^1].Output : "";
                case "context":
                    return context ?? "";
            }

            if (!name.StartsWith("turn_", StringComparison.Ordinal))
            {
                return null;
            }

            var target = name["turn_".Length..];
            var id = int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= _mode.Turns.Count ? _mode.Turns[n - 1].Id : target;
            return before.LastOrDefault(t => t.TurnId == id)?.Output ?? "";
        }

        var needsContext = PromptTemplate.Placeholders(turn.Prompt).Contains("context");
        if (!needsContext)
        {
            return PromptTemplate.Fill(turn.Prompt, p => Resolve(p, null));
        }

        // Context budget: the turn's (or default) limit, and what the model's window leaves after the template and output.
        var budget = turn.ContextFrom?.MaxTokens ?? _service.DefaultContextTokens;
        if (model?.ContextWindow is { } window)
        {
            var templateTokens = (PromptTemplate.Fill(turn.Prompt, p => Resolve(p, "")).Length + 3) / 4 + 64;
            budget = Math.Max(0, Math.Min(budget, window - maxOut - templateTokens));
        }

        var parts = new StringBuilder();
        var retrievalBudget = 0;
        if (turn.Retrieval is { } retrieval)
        {
            retrievalBudget = turn.ContextFrom is null ? budget : budget / 2;
            parts.Append(await RetrieveAsync(retrieval, retrievalBudget, s => PromptTemplate.Fill(s, p => Resolve(p, "")), ct).ConfigureAwait(false));
        }

        if (turn.ContextFrom is { } from)
        {
            var sources = from.History
                ? before.Where(t => from.Turns.Contains(t.TurnId)).ToList()
                : from.Turns.Select(id => before.LastOrDefault(t => t.TurnId == id)).OfType<StoredTurn>().ToList();
            var texts = sources.Select(t => $"[{t.Role} ({t.TurnId}, round {t.Round})]\n{t.Output}").ToList();
            var query = topic + "\n" + turn.Prompt;
            var context = ContextCompressor.Compress(texts, query, budget - ((parts.Length + 3) / 4), from.RelevantOnly);
            if (parts.Length > 0 && context.Length > 0)
            {
                parts.Append("\n\n");
            }

            parts.Append(context);
        }

        return PromptTemplate.Fill(turn.Prompt, p => Resolve(p, parts.ToString()));
    }

    private async Task<string> RetrieveAsync(RetrievalSpec retrieval, int budgetTokens, Func<string, string> fill, CancellationToken ct)
    {
        if (_service.Workspace is not { } workspace)
        {
            return "(no workspace index is available)";
        }

        var query = fill(retrieval.Search);
        if (string.IsNullOrWhiteSpace(query))
        {
            return "";
        }

        IReadOnlyList<SearchHit> hits;
        try
        {
            hits = await workspace.SearchAsync(query, new SearchOptions(retrieval.Top), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _service.Logger.LogWarning("Dialogue {DialogueId}: workspace search failed: {Error}", _dialogue.Id, e.Message);
            return $"(workspace search failed: {e.Message})";
        }

        var sb = new StringBuilder();
        foreach (var hit in hits)
        {
            var block = $"{hit.Path}:{hit.StartLine}-{hit.EndLine}\n```\n{hit.Snippet.TrimEnd()}\n```\n";
            if (sb.Length > 0 && (sb.Length + block.Length) / 4 > budgetTokens)
            {
                break;
            }

            sb.Append(block);
        }

        return sb.Length == 0 ? "(no matching workspace code)" : sb.ToString().TrimEnd();
    }

    private async Task<(string Text, decimal Cost)> SpawnAsync(TurnSpec turn, SpawnSpec spawn, int seq, string ownOutput, List<StoredTurn> before, CancellationToken ct)
    {
        var source = spawn.SubtopicsFrom == "self" ? ownOutput : before.LastOrDefault(t => t.TurnId == spawn.SubtopicsFrom)?.Output ?? "";
        var subtopics = SubtopicLine().Matches(source).Select(m => m.Groups[1].Value.Trim()).Where(s => s.Length > 0).Distinct().Take(_service.MaxSubtopics).ToList();
        if (subtopics.Count == 0)
        {
            return (ownOutput, 0m);
        }

        var sb = new StringBuilder(ownOutput).Append("\n\n## Sub-dialogues\n");
        decimal total = 0;
        for (var k = 0; k < subtopics.Count; k++)
        {
            var childId = $"{_dialogue.Id}.{seq}.{k + 1}";
            decimal? childCap;
            lock (_gate)
            {
                childCap = _dialogue.MaxCost is { } cap ? Math.Max(0, cap - _spent - _reserved) : null;
            }

            if (_service.Store.GetDialogue(childId) is null)
            {
                _service.Start(spawn.Mode ?? _mode.Name, $"{subtopics[k]} (sub-topic of: {_dialogue.Topic})",
                    new DialogueOptions(_models, childCap), _dialogue.Id, _dialogue.Depth + 1, childId);
            }

            var summary = await _service.ResumeAsync(childId, _progress, ct).ConfigureAwait(false);
            var last = _service.Store.GetTurns(childId).LastOrDefault();
            lock (_gate)
            {
                _spent += summary.Cost;
            }

            total += summary.Cost;
            sb.Append("\n### ").Append(subtopics[k]).Append(" (").Append(childId).Append(", ").Append(summary.Status).Append(")\n\n").Append(last?.Output ?? "(no result)").Append('\n');
        }

        return (sb.ToString().TrimEnd(), total);
    }

    internal static double? ParseScore(string text)
    {
        var matches = ScoreLine().Matches(text);
        if (matches.Count == 0 || !double.TryParse(matches[^1].Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var score))
        {
            return null;
        }

        return Math.Clamp(score, 0, 1);
    }

    [GeneratedRegex(@"SCORE:\s*\**\s*([0-9]*\.?[0-9]+)", RegexOptions.IgnoreCase)]
    private static partial Regex ScoreLine();

    [GeneratedRegex(@"^\s*[-*] (.+)$", RegexOptions.Multiline)]
    private static partial Regex SubtopicLine();

    // Strips the router's correlation id and budget scope before a provider sees the options (as the router does).
    private sealed class RouterPropertiesRemover(IChatClient inner) : DelegatingChatClient(inner)
    {
        private static readonly string[] Keys = [ModelRouter.CorrelationIdPropertyName, BudgetScope.IdPropertyName, BudgetScope.MaxUsdPropertyName];

        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            base.GetResponseAsync(messages, Strip(options), cancellationToken);

        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var u in base.GetStreamingResponseAsync(messages, Strip(options), cancellationToken).ConfigureAwait(false))
            {
                yield return u;
            }
        }

        protected override void Dispose(bool disposing)
        {
            // The registry owns the inner client.
        }

        private static ChatOptions? Strip(ChatOptions? options)
        {
            if (options?.AdditionalProperties is not { } props || !Keys.Any(props.ContainsKey))
            {
                return options;
            }

            var copy = options.Clone();
            foreach (var key in Keys)
            {
                copy.AdditionalProperties!.Remove(key);
            }

            if (copy.AdditionalProperties!.Count == 0)
            {
                copy.AdditionalProperties = null;
            }

            return copy;
        }
    }
}

/// <summary>Fits earlier turns' outputs into a token budget (characters / 4).</summary>
public static class ContextCompressor
{
    /// <summary>
    /// Joins <paramref name="texts"/> (oldest first) within <paramref name="budgetTokens"/>. With
    /// <paramref name="relevantOnly"/>, paragraphs are ranked by lexical similarity to <paramref name="query"/> and the
    /// best kept, in their original order, elided runs marked with "…"; otherwise the most recent texts are kept whole
    /// and the oldest dropped (or cut at the front) first. Never returns more than budget × 4 characters.
    /// </summary>
    public static string Compress(IReadOnlyList<string> texts, string query, int budgetTokens, bool relevantOnly)
    {
        var budgetChars = Math.Max(0, budgetTokens) * 4;
        var all = string.Join("\n\n", texts);
        if (all.Length <= budgetChars)
        {
            return all;
        }

        if (budgetChars == 0)
        {
            return "";
        }

        if (!relevantOnly)
        {
            return "…" + all[^(budgetChars - 1)..];
        }

        var paragraphs = texts.SelectMany(t => t.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)).ToList();
        var ranked = paragraphs.Select((p, i) => (Index: i, Score: TextSimilarity.Lexical(p, query) + (0.001 * i / paragraphs.Count)))
            .OrderByDescending(x => x.Score).ToList();
        var keep = new SortedSet<int>();
        var used = 0;
        foreach (var (index, _) in ranked)
        {
            var cost = paragraphs[index].Length + 4;
            if (used + cost > budgetChars)
            {
                continue;
            }

            keep.Add(index);
            used += cost;
        }

        var sb = new StringBuilder();
        var lastKept = -1;
        foreach (var i in keep)
        {
            if (sb.Length > 0)
            {
                sb.Append(i == lastKept + 1 ? "\n\n" : "\n…\n");
            }

            sb.Append(paragraphs[i]);
            lastKept = i;
        }

        var result = sb.ToString();
        return result.Length <= budgetChars ? result : result[..budgetChars];
    }
}
