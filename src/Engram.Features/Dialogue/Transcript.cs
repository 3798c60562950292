using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Engram.Features.Dialogue;

// Markdown and JSON transcripts of a stored dialogue, with per-turn and per-dialogue metrics and its sub-dialogues.
internal static class Transcript
{
    public static string Markdown(DialogueStore store, string id)
    {
        var sb = new StringBuilder();
        Write(store, id, sb, 1);
        return sb.ToString();
    }

    public static string Json(DialogueStore store, string id) =>
        Node(store, id).ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static void Write(DialogueStore store, string id, StringBuilder sb, int level)
    {
        var d = store.GetDialogue(id)!;
        var turns = store.GetTurns(id);
        var h = new string('#', level);
        sb.Append(h).Append(" Dialogue ").Append(d.Id).Append(" — ").Append(d.Mode).Append("\n\n");
        sb.Append("- **Topic:** ").Append(d.Topic).Append('\n');
        sb.Append("- **Status:** ").Append(d.Status).Append(d.Error is null ? "" : $" ({d.Error})").Append('\n');
        sb.Append("- **Started:** ").Append(d.Created.ToString("u", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"- **Turns:** {turns.Count} · **Tokens:** {turns.Sum(t => t.InputTokens)} in / {turns.Sum(t => t.OutputTokens)} out · **Cost:** {DialogueService.Money(turns.Sum(t => t.Cost))} USD");
        if (d.MaxCost is { } cap)
        {
            sb.Append(" of ").Append(DialogueService.Money(cap));
        }

        sb.Append(CultureInfo.InvariantCulture, $" · **Model time:** {turns.Sum(t => t.LatencyMs):F0} ms\n\n");
        foreach (var t in turns)
        {
            sb.Append(h).Append(CultureInfo.InvariantCulture, $"# {t.Seq + 1}. {t.Role} ({t.TurnId}, round {t.Round}, {t.Phase})\n\n");
            sb.Append(CultureInfo.InvariantCulture, $"*{t.Model} · {t.LatencyMs:F0} ms · {t.InputTokens} in / {t.OutputTokens} out · {DialogueService.Money(t.Cost)} USD");
            if (t.Score is { } score)
            {
                sb.Append(CultureInfo.InvariantCulture, $" · score {score:0.###}");
            }

            if (t.Similarity is { } sim)
            {
                sb.Append(CultureInfo.InvariantCulture, $" · similarity {sim:0.###}");
            }

            sb.Append("*\n\n");
            if (t.Substitution is not null)
            {
                sb.Append("> Substituted: ").Append(t.Substitution).Append("\n\n");
            }

            sb.Append(t.Output).Append("\n\n");
        }

        foreach (var child in store.Children(id).OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            Write(store, child.Id, sb, Math.Min(level + 1, 4));
        }
    }

    private static JsonObject Node(DialogueStore store, string id)
    {
        var d = store.GetDialogue(id)!;
        var turns = store.GetTurns(id);
        var array = new JsonArray();
        foreach (var t in turns)
        {
            array.Add(new JsonObject
            {
                ["seq"] = t.Seq,
                ["turn"] = t.TurnId,
                ["round"] = t.Round,
                ["role"] = t.Role,
                ["phase"] = t.Phase,
                ["requestedModel"] = t.RequestedModel,
                ["model"] = t.Model,
                ["substitution"] = t.Substitution,
                ["prompt"] = t.Prompt,
                ["output"] = t.Output,
                ["inputTokens"] = t.InputTokens,
                ["outputTokens"] = t.OutputTokens,
                ["cost"] = t.Cost,
                ["latencyMs"] = Math.Round(t.LatencyMs, 1),
                ["score"] = t.Score,
                ["similarity"] = t.Similarity,
                ["completed"] = t.Completed.ToString("O", CultureInfo.InvariantCulture),
            });
        }

        var children = new JsonArray();
        foreach (var child in store.Children(id).OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            children.Add(Node(store, child.Id));
        }

        return new JsonObject
        {
            ["id"] = d.Id,
            ["parentId"] = d.ParentId,
            ["mode"] = d.Mode,
            ["topic"] = d.Topic,
            ["status"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(d.Status.ToString()),
            ["error"] = d.Error,
            ["created"] = d.Created.ToString("O", CultureInfo.InvariantCulture),
            ["maxCost"] = d.MaxCost,
            ["metrics"] = new JsonObject
            {
                ["turns"] = turns.Count,
                ["inputTokens"] = turns.Sum(t => t.InputTokens),
                ["outputTokens"] = turns.Sum(t => t.OutputTokens),
                ["cost"] = turns.Sum(t => t.Cost),
                ["latencyMs"] = Math.Round(turns.Sum(t => t.LatencyMs), 1),
                ["models"] = new JsonArray(turns.Select(t => t.Model).Distinct(StringComparer.Ordinal).Select(m => (JsonNode?)m).ToArray()),
                ["substitutions"] = turns.Count(t => t.Substitution is not null),
            },
            ["turns"] = array,
            ["subDialogues"] = children,
        };
    }
}
