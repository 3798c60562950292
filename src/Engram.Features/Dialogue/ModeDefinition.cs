using System.Globalization;
using System.Text.Json.Nodes;

namespace Engram.Features.Dialogue;

/// <summary>Who takes a turn: a configured model by name, or any model having <see cref="Capabilities"/>, ranked by <see cref="Prefer"/>.</summary>
/// <param name="Model">Configured model name, or null for capability routing.</param>
/// <param name="Capabilities">Required capabilities (names as in <c>engram.json</c>); empty with <paramref name="Model"/>.</param>
/// <param name="Prefer">Model names preferred in this order when they qualify.</param>
public sealed record ParticipantSpec(string? Model, IReadOnlyList<string> Capabilities, IReadOnlyList<string> Prefer);

/// <summary>Where a turn's <c>{context}</c> comes from.</summary>
/// <param name="Turns">Turn ids whose outputs are included.</param>
/// <param name="RelevantOnly">Keep only the paragraphs most relevant to the turn (lexical relevance), within <paramref name="MaxTokens"/>.</param>
/// <param name="MaxTokens">Token budget (characters / 4) of the included context, or null for the engine default.</param>
/// <param name="History">True for the object form: every earlier output of those turns (all rounds), not only the latest.</param>
public sealed record ContextFromSpec(IReadOnlyList<string> Turns, bool RelevantOnly, int? MaxTokens, bool History);

/// <summary>Engram workspace retrieval for a turn.</summary>
/// <param name="Search">Query template (placeholders allowed).</param>
/// <param name="Top">Chunks to retrieve (default 8).</param>
public sealed record RetrievalSpec(string Search, int Top);

/// <summary>Sub-dialogues spawned by a turn.</summary>
/// <param name="SubtopicsFrom">Turn id whose output lists the sub-topics (lines starting with <c>- </c>), or <c>self</c>.</param>
/// <param name="Mode">Mode of the sub-dialogues, or null for the current mode.</param>
/// <param name="MaxDepth">Maximum nesting depth (1–3, default 1).</param>
public sealed record SpawnSpec(string SubtopicsFrom, string? Mode, int MaxDepth);

/// <summary>One turn of a resolved mode.</summary>
/// <param name="Id">Turn id.</param>
/// <param name="Position">1-based position in the resolved turn list (what <c>{turn_N}</c> refers to).</param>
/// <param name="Role">Role shown in transcripts.</param>
/// <param name="Participant">Who takes the turn.</param>
/// <param name="Prompt">Prompt template.</param>
/// <param name="ContextFrom">Context sources, or null.</param>
/// <param name="MaxTokens">Output token limit, or null for the router default.</param>
/// <param name="Retrieval">Workspace retrieval, or null.</param>
/// <param name="Spawn">Sub-dialogue spawning, or null.</param>
public sealed record TurnSpec(
    string Id, int Position, string Role, ParticipantSpec Participant, string Prompt, ContextFromSpec? ContextFrom, int? MaxTokens,
    RetrievalSpec? Retrieval, SpawnSpec? Spawn);

/// <summary>A group of turns run together: concurrently when <paramref name="Parallel"/>, else one after another.</summary>
/// <param name="Name">Phase name (or the structure's name).</param>
/// <param name="Parallel">True when the group's turns run concurrently.</param>
/// <param name="Turns">Turn ids in order.</param>
public sealed record PhaseSpec(string Name, bool Parallel, IReadOnlyList<string> Turns);

/// <summary>Convergence detection settings.</summary>
/// <param name="Threshold">Similarity in [0,1] at or above which successive outputs count as converged.</param>
/// <param name="Between">Turn ids whose successive outputs are compared.</param>
public sealed record ConvergenceSpec(double Threshold, IReadOnlyList<string> Between);

/// <summary>Judge settings: a score below <paramref name="Threshold"/> triggers <paramref name="RefineTurn"/>.</summary>
/// <param name="Turn">Scoring turn id (its output carries a line <c>SCORE: x</c>).</param>
/// <param name="Threshold">Minimum acceptable score in [0,1].</param>
/// <param name="RefineTurn">Turn re-run when the score is too low.</param>
public sealed record JudgeSpec(string Turn, double Threshold, string RefineTurn);

/// <summary>A mode with <c>extends</c>, <c>overrides</c> and <c>additional_turns</c> resolved.</summary>
/// <param name="Name">Mode name.</param>
/// <param name="Description">Description.</param>
/// <param name="Source">The file it was loaded from (or a label).</param>
/// <param name="Phases">Execution groups in order (sequential structure: one single-turn group per turn).</param>
/// <param name="Turns">Resolved turns in order.</param>
/// <param name="MaxTurns">Upper bound on executed turns, or null.</param>
/// <param name="Convergence">Convergence settings, or null.</param>
/// <param name="Judge">Judge settings, or null.</param>
/// <param name="MaxCostUsd">The mode's budget in USD, or null.</param>
/// <param name="Json">The resolved mode as JSON (stored with each dialogue so a resume runs the same definition).</param>
public sealed record ModeDefinition(
    string Name, string Description, string Source, IReadOnlyList<PhaseSpec> Phases, IReadOnlyList<TurnSpec> Turns, int? MaxTurns,
    ConvergenceSpec? Convergence, JudgeSpec? Judge, decimal? MaxCostUsd, string Json)
{
    /// <summary>The turn with id <paramref name="id"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such turn.</exception>
    public TurnSpec Turn(string id) => Turns.FirstOrDefault(t => t.Id == id) ?? throw new KeyNotFoundException($"mode '{Name}' has no turn '{id}'");

    /// <summary>Builds the definition from a resolved mode object (no <c>extends</c> left).</summary>
    /// <exception cref="ModeException">The object is structurally invalid (missing fields, dangling references).</exception>
    public static ModeDefinition FromResolved(JsonObject mode, string source)
    {
        var name = Str(mode, "name", source, "$") ?? throw new ModeException(source, "$.name", "a mode name is required");
        var turnsNode = mode["turns"] as JsonArray ?? throw new ModeException(source, "$.turns", "expected an array of turns");
        var turns = new List<TurnSpec>();
        for (var i = 0; i < turnsNode.Count; i++)
        {
            turns.Add(ParseTurn(turnsNode[i] as JsonObject ?? throw new ModeException(source, $"$.turns[{i}]", "expected a turn object"), i + 1, source, $"$.turns[{i}]"));
        }

        var ids = turns.Select(t => t.Id).ToList();
        var dup = ids.GroupBy(i => i, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new ModeException(source, "$.turns", $"turn id '{dup.Key}' is used twice");
        }

        var structure = (string?)mode["structure"] ?? "sequential";
        var phases = new List<PhaseSpec>();
        switch (structure)
        {
            case "parallel":
                phases.Add(new PhaseSpec("parallel", true, ids));
                break;
            case "phases":
                var phaseNodes = mode["phases"] as JsonArray ?? throw new ModeException(source, "$.phases", "structure 'phases' needs a phases array");
                for (var i = 0; i < phaseNodes.Count; i++)
                {
                    var p = phaseNodes[i]!.AsObject();
                    var pTurns = (p["turns"] as JsonArray ?? []).Select(t => (string)t!).ToList();
                    foreach (var t in pTurns.Where(t => !ids.Contains(t)))
                    {
                        throw new ModeException(source, $"$.phases[{i}].turns", $"'{t}' is not a turn id (known: {string.Join(", ", ids)})");
                    }

                    phases.Add(new PhaseSpec((string?)p["name"] ?? $"phase {i + 1}", (string?)p["structure"] == "parallel", pTurns));
                }

                var phased = phases.SelectMany(p => p.Turns).ToHashSet(StringComparer.Ordinal);
                var rest = ids.Where(i => !phased.Contains(i)).ToList();
                if (rest.Count > 0)
                {
                    phases.Add(new PhaseSpec("additional", false, rest));
                }

                break;
            default:
                phases.Add(new PhaseSpec("sequential", false, ids));
                break;
        }

        ConvergenceSpec? convergence = null;
        if (mode["convergence"] is JsonObject c)
        {
            var between = (c["between"] as JsonArray ?? []).Select(t => (string)t!).ToList();
            foreach (var b in between.Where(b => !ids.Contains(b)))
            {
                throw new ModeException(source, "$.convergence.between", $"'{b}' is not a turn id (known: {string.Join(", ", ids)})");
            }

            convergence = new ConvergenceSpec((double)c["threshold"]!, between);
        }

        JudgeSpec? judge = null;
        if (mode["judge"] is JsonObject j)
        {
            judge = new JudgeSpec((string)j["turn"]!, (double)j["threshold"]!, (string)j["refine_turn"]!);
            if (!ids.Contains(judge.Turn))
            {
                throw new ModeException(source, "$.judge.turn", $"'{judge.Turn}' is not a turn id (known: {string.Join(", ", ids)})");
            }

            if (!ids.Contains(judge.RefineTurn))
            {
                throw new ModeException(source, "$.judge.refine_turn", $"'{judge.RefineTurn}' is not a turn id (known: {string.Join(", ", ids)})");
            }
        }

        foreach (var turn in turns)
        {
            CheckReferences(turn, turns, source);
        }

        decimal? maxCost = mode["budget"]?["max_cost_usd"] is { } b2 ? (decimal)(double)b2 : null;
        return new ModeDefinition(
            name, (string?)mode["description"] ?? "", source, phases, turns, (int?)mode["max_turns"], convergence, judge, maxCost, mode.ToJsonString());
    }

    private static void CheckReferences(TurnSpec turn, List<TurnSpec> turns, string source)
    {
        var path = $"$.turns[{turn.Position - 1}]";
        var ids = turns.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var r in turn.ContextFrom?.Turns ?? [])
        {
            if (!ids.Contains(r))
            {
                throw new ModeException(source, path + ".context_from", $"'{r}' is not a turn id (known: {string.Join(", ", ids)})");
            }
        }

        if (turn.Spawn is { SubtopicsFrom: var from } && from != "self" && !ids.Contains(from))
        {
            throw new ModeException(source, path + ".spawn.subtopics_from", $"'{from}' is not a turn id or 'self'");
        }

        foreach (var (template, where) in new[] { (turn.Prompt, ".prompt"), (turn.Retrieval?.Search, ".context.search") })
        {
            foreach (var placeholder in PromptTemplate.Placeholders(template ?? ""))
            {
                if (placeholder is "topic" or "previous" or "context")
                {
                    continue;
                }

                if (!placeholder.StartsWith("turn_", StringComparison.Ordinal))
                {
                    throw new ModeException(source, path + where, $"unknown placeholder {{{placeholder}}} (expected {{topic}}, {{previous}}, {{context}} or {{turn_N}})");
                }

                var target = placeholder["turn_".Length..];
                var ok = int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n >= 1 && n <= turns.Count : ids.Contains(target);
                if (!ok)
                {
                    throw new ModeException(source, path + where, $"{{{placeholder}}} names no turn (known: {string.Join(", ", ids)}; or 1..{turns.Count})");
                }
            }
        }
    }

    private static TurnSpec ParseTurn(JsonObject t, int position, string source, string path)
    {
        var id = Str(t, "id", source, path) ?? throw new ModeException(source, path + ".id", "a turn id is required");
        var role = Str(t, "role", source, path) ?? throw new ModeException(source, path + ".role", "a role is required");
        var prompt = Str(t, "prompt", source, path) ?? throw new ModeException(source, path + ".prompt", "a prompt is required");
        var p = t["participant"] as JsonObject ?? throw new ModeException(source, path + ".participant", "a participant is required");
        var participant = new ParticipantSpec(
            (string?)p["model"],
            (p["capabilities"] as JsonArray ?? []).Select(x => (string)x!).ToList(),
            (p["prefer"] as JsonArray ?? []).Select(x => (string)x!).ToList());
        ContextFromSpec? contextFrom = t["context_from"] switch
        {
            JsonArray a => new ContextFromSpec(a.Select(x => (string)x!).ToList(), false, null, false),
            JsonObject o => new ContextFromSpec((o["turns"] as JsonArray ?? []).Select(x => (string)x!).ToList(), (bool?)o["relevant_only"] ?? false, (int?)o["max_tokens"], true),
            _ => null,
        };
        var retrieval = t["context"] is JsonObject r ? new RetrievalSpec((string)r["search"]!, (int?)r["top"] ?? 8) : null;
        var spawn = t["spawn"] is JsonObject s ? new SpawnSpec((string)s["subtopics_from"]!, (string?)s["mode"], (int?)s["max_depth"] ?? 1) : null;
        return new TurnSpec(id, position, role, participant, prompt, contextFrom, (int?)t["max_tokens"], retrieval, spawn);
    }

    private static string? Str(JsonObject o, string key, string source, string path) =>
        o[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw new ModeException(source, $"{path}.{key}", "expected a string"),
        };
}

/// <summary>A mode file is invalid; the message names the file, the JSON path and what was expected.</summary>
public sealed class ModeException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The mode file (or mode name when there is no file).</param>
    /// <param name="jsonPath">JSON path of the offending value, e.g. <c>$.turns[0].participant</c>.</param>
    /// <param name="expected">What was expected there.</param>
    public ModeException(string file, string jsonPath, string expected)
        : base($"{file}: {jsonPath}: {expected}")
    {
        File = file;
        JsonPath = jsonPath;
    }

    /// <summary>Creates an exception carrying several errors of one file (one per line).</summary>
    public ModeException(string file, IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors.Select(e => $"{file}: {e}")))
    {
        File = file;
        JsonPath = "$";
    }

    /// <summary>The mode file.</summary>
    public string File { get; }

    /// <summary>The JSON path of the (first) error.</summary>
    public string JsonPath { get; }
}
