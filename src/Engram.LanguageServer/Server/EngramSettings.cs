using System.Text.Json;

namespace Engram.LanguageServer.Server;

/// <summary>
/// The <c>engram</c> settings section (initializationOptions, workspace/configuration, didChangeConfiguration):
/// <c>{ inlineCompletion: { enabled, debounceMs }, completion: { enabled }, review: { onSave }, index: { lexicalOnly, autoUpdate } }</c>.
/// Missing or mistyped values keep the previous value.
/// </summary>
internal sealed record EngramSettings
{
    public static EngramSettings Default { get; } = new();

    public bool InlineCompletionEnabled { get; init; } = true;

    public int InlineCompletionDebounceMs { get; init; } = 150;

    public bool CompletionEnabled { get; init; } = true;

    public bool ReviewOnSave { get; init; }

    public bool IndexLexicalOnly { get; init; }

    public bool IndexAutoUpdate { get; init; } = true;

    /// <summary>Overlays <paramref name="section"/> (the object of the <c>engram</c> section, or an object holding an <c>engram</c> property).</summary>
    public EngramSettings Merge(JsonElement? section)
    {
        if (section is not { ValueKind: JsonValueKind.Object } value)
        {
            return this;
        }

        if (value.TryGetProperty("engram", out var nested) && nested.ValueKind == JsonValueKind.Object)
        {
            value = nested;
        }

        return this with
        {
            InlineCompletionEnabled = Bool(value, "inlineCompletion", "enabled") ?? InlineCompletionEnabled,
            InlineCompletionDebounceMs = Int(value, "inlineCompletion", "debounceMs") is { } ms ? Math.Clamp(ms, 0, 10_000) : InlineCompletionDebounceMs,
            CompletionEnabled = Bool(value, "completion", "enabled") ?? CompletionEnabled,
            ReviewOnSave = Bool(value, "review", "onSave") ?? ReviewOnSave,
            IndexLexicalOnly = Bool(value, "index", "lexicalOnly") ?? IndexLexicalOnly,
            IndexAutoUpdate = Bool(value, "index", "autoUpdate") ?? IndexAutoUpdate,
        };
    }

    private static bool? Bool(JsonElement value, string group, string name) =>
        value.TryGetProperty(group, out var g) && g.ValueKind == JsonValueKind.Object && g.TryGetProperty(name, out var v)
            && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static int? Int(JsonElement value, string group, string name) =>
        value.TryGetProperty(group, out var g) && g.ValueKind == JsonValueKind.Object && g.TryGetProperty(name, out var v)
            && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
