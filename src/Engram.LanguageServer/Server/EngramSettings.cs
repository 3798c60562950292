using System.Text.Json;

namespace Engram.LanguageServer.Server;

/// <summary>
/// The <c>engram</c> settings section (initializationOptions, workspace/configuration, didChangeConfiguration):
/// <c>{ inlineCompletion: { enabled, debounceMs }, completion: { enabled }, review: { onSave }, index: { lexicalOnly, autoUpdate, folders },
/// model: { name } }</c>.
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

    /// <summary>Folders to index instead of the workspace folders (absolute, or relative to the first workspace folder); empty: the workspace folders.</summary>
    public IReadOnlyList<string> IndexFolders { get; init; } = [];

    /// <summary>A configured model tried first for every model-backed feature, or null for capability routing.</summary>
    public string? ModelName { get; init; }

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
            IndexFolders = Strings(value, "index", "folders") ?? IndexFolders,
            ModelName = value.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.Object && model.TryGetProperty("name", out var name)
                ? name.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(name.GetString()) ? name.GetString()!.Trim() : name.ValueKind == JsonValueKind.Null ? null : ModelName
                : ModelName,
        };
    }

    private static bool? Bool(JsonElement value, string group, string name) =>
        value.TryGetProperty(group, out var g) && g.ValueKind == JsonValueKind.Object && g.TryGetProperty(name, out var v)
            && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static IReadOnlyList<string>? Strings(JsonElement value, string group, string name) =>
        value.TryGetProperty(group, out var g) && g.ValueKind == JsonValueKind.Object && g.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(e.GetString())).Select(e => e.GetString()!).ToList()
            : null;

    private static int? Int(JsonElement value, string group, string name) =>
        value.TryGetProperty(group, out var g) && g.ValueKind == JsonValueKind.Object && g.TryGetProperty(name, out var v)
            && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
