using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Engram.Features.Tests.Dialogue;

/// <summary>Validates the shipped dialogue modes in <c>modes/</c> against <c>modes/mode.schema.json</c> and checks their cross-references.</summary>
public sealed partial class ModeFilesTests
{
    private static readonly string[] RequiredModes =
        ["debate", "critique", "loop", "panel", "detective", "code-review-panel", "research"];

    private static readonly HashSet<string> KnownPlaceholders = new(StringComparer.Ordinal) { "topic", "previous", "context" };

    private static readonly Lazy<string> RepoRoot = new(FindRepoRoot);

    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(ModesDir, "mode.schema.json"))));

    private static string ModesDir => Path.Combine(RepoRoot.Value, "modes");

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)\}")]
    private static partial Regex PlaceholderRegex();

    public static TheoryData<string> ModeFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in ModeFilePaths())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void SchemaIsAValidDraft202012Schema()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ModesDir, "mode.schema.json")));
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", doc.RootElement.GetProperty("$schema").GetString());
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("$id").GetString()));
        Assert.NotNull(Schema.Value);
    }

    [Fact]
    public void AllRequiredModesExist()
    {
        var names = ModeFilePaths().Select(p => Path.GetFileNameWithoutExtension(p)).ToHashSet(StringComparer.Ordinal);
        var missing = RequiredModes.Where(m => !names.Contains(m)).ToList();
        Assert.True(missing.Count == 0, "missing modes: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(ModeFiles))]
    public void ModeValidatesAgainstSchema(string fileName)
    {
        var errors = Validate(File.ReadAllText(Path.Combine(ModesDir, fileName)));
        Assert.True(errors.Count == 0, $"{fileName}:\n" + string.Join("\n", errors.Select(e => $"  at '{e.Path}': {e.Message}")));
    }

    [Theory]
    [MemberData(nameof(ModeFiles))]
    public void FileNameEqualsModeName(string fileName)
    {
        var mode = LoadMode(Path.Combine(ModesDir, fileName));
        Assert.Equal(Path.GetFileNameWithoutExtension(fileName), (string?)mode["name"]);
    }

    [Theory]
    [MemberData(nameof(ModeFiles))]
    public void ExtendsResolvesWithoutCycle(string fileName)
    {
        var modes = LoadAllModes();
        var name = Path.GetFileNameWithoutExtension(fileName);
        var turns = ResolveTurns(name, modes, []);
        Assert.NotEmpty(turns);
        var ids = turns.Select(t => (string)t["id"]!).ToList();
        Assert.True(ids.Count == ids.Distinct(StringComparer.Ordinal).Count(), $"{fileName}: duplicate turn ids: {string.Join(", ", ids)}");
    }

    [Theory]
    [MemberData(nameof(ModeFiles))]
    public void TurnReferencesNameExistingTurns(string fileName)
    {
        var modes = LoadAllModes();
        var name = Path.GetFileNameWithoutExtension(fileName);
        var problems = CheckReferences(name, modes);
        Assert.True(problems.Count == 0, $"{fileName}:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void AtLeastOneModeUsesExtendsAndOverrides()
    {
        var modes = LoadAllModes();
        Assert.Contains(modes.Values, m => m["extends"] is not null && m["overrides"] is JsonObject o && o.Count > 0);
    }

    [Theory]
    [InlineData("""{"name":"Debate","description":"d","structure":"sequential","turns":[{"id":"a","role":"r","participant":{"model":"m"},"prompt":"{topic}"}]}""", "/name")]
    [InlineData("""{"name":"x","description":"d","structure":"sequential","turns":[{"id":"a","role":"r","participant":{"model":"m","capabilities":["chat"]},"prompt":"{topic}"}]}""", "/turns/0/participant")]
    [InlineData("""{"name":"x","description":"d","structure":"sequential","turns":[{"id":"a","role":"r","participant":{"capabilities":["telepathy"]},"prompt":"{topic}"}]}""", "/turns/0/participant")]
    [InlineData("""{"name":"x","description":"d","structure":"sequential","convergence":{"threshold":1.5,"between":["a"]},"turns":[{"id":"a","role":"r","participant":{"model":"m"},"prompt":"{topic}"}]}""", "/convergence/threshold")]
    [InlineData("""{"name":"x","description":"d","structure":"sequential","turns":[{"id":"a","role":"r","participant":{"model":"m"},"prompt":"{topic}","temperature":0.2}]}""", "/turns/0/temperature")]
    [InlineData("""{"name":"x","description":"d","structure":"phases","turns":[{"id":"a","role":"r","participant":{"model":"m"},"prompt":"{topic}"}]}""", "")]
    [InlineData("""{"name":"x","description":"d","structure":"sequential","turns":[{"id":"a","role":"r","participant":{"model":"m"},"prompt":"{topic}","context_from":["Bad Id"]}]}""", "/turns/0/context_from")]
    [InlineData("""{"name":"x","description":"d","structure":"sequential","turns":[{"id":"a","role":"r","participant":{"model":"m"},"prompt":"p"}],"overrides":{"a":{"prompt":"q"}}}""", "/overrides")]
    public void BrokenModeFailsValidationAtExpectedPath(string json, string expectedPath)
    {
        var errors = Validate(json);
        Assert.NotEmpty(errors);
        Assert.True(errors.Any(e => e.Path == expectedPath || e.Path.StartsWith(expectedPath + "/", StringComparison.Ordinal)),
            $"expected an error at or under '{expectedPath}', got:\n" + string.Join("\n", errors.Select(e => $"  at '{e.Path}': {e.Message}")));
    }

    [Fact]
    public void MissingParentAndCycleAreDetected()
    {
        static JsonObject Child(string name, string parent) =>
            JsonNode.Parse($$"""{"name":"{{name}}","description":"d","extends":"{{parent}}"}""")!.AsObject();

        var missing = new Dictionary<string, JsonObject>(StringComparer.Ordinal) { ["a"] = Child("a", "nowhere") };
        Assert.Contains("nowhere", Assert.Throws<InvalidOperationException>(() => ResolveTurns("a", missing, [])).Message, StringComparison.Ordinal);

        var cycle = new Dictionary<string, JsonObject>(StringComparer.Ordinal) { ["a"] = Child("a", "b"), ["b"] = Child("b", "a") };
        Assert.Contains("cycle", Assert.Throws<InvalidOperationException>(() => ResolveTurns("a", cycle, [])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DanglingTurnReferenceIsDetected()
    {
        var mode = JsonNode.Parse("""
            {"name":"x","description":"d","structure":"sequential","turns":[
              {"id":"a","role":"r","participant":{"model":"m"},"prompt":"{topic}"},
              {"id":"b","role":"r","participant":{"model":"m"},"prompt":"{turn_zz} {turn_3} {colour}","context_from":["nope"]}]}
            """)!.AsObject();
        Assert.Empty(Validate(mode.ToJsonString()));
        var problems = CheckReferences("x", new Dictionary<string, JsonObject>(StringComparer.Ordinal) { ["x"] = mode });
        Assert.Contains(problems, p => p.Contains("{turn_zz}", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("{turn_3}", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("{colour}", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'nope'", StringComparison.Ordinal));
    }

    private static List<(string Path, string Message)> Validate(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var results = Schema.Value.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = new List<(string, string)>();
        if (results.IsValid)
        {
            return errors;
        }

        Collect(results, errors);
        if (errors.Count == 0)
        {
            errors.Add((results.InstanceLocation.ToString(), "invalid"));
        }

        return errors;
    }

    private static void Collect(EvaluationResults node, List<(string, string)> errors)
    {
        // Failures inside `if`/`not` subschemas are conditions, not errors.
        var schemaPath = node.EvaluationPath.ToString();
        var conditional = schemaPath.Contains("/if", StringComparison.Ordinal) || schemaPath.Contains("/not", StringComparison.Ordinal);
        if (node.Errors is { Count: > 0 } && !conditional)
        {
            foreach (var (keyword, message) in node.Errors)
            {
                errors.Add((node.InstanceLocation.ToString(), $"{keyword}: {message} (schema {node.EvaluationPath})"));
            }
        }

        if (node.Details is { } details)
        {
            foreach (var child in details)
            {
                Collect(child, errors);
            }
        }
    }

    private static List<string> CheckReferences(string name, Dictionary<string, JsonObject> modes)
    {
        var problems = new List<string>();
        var mode = modes[name];
        var turns = ResolveTurns(name, modes, []);
        var ids = turns.Select(t => (string)t["id"]!).ToHashSet(StringComparer.Ordinal);

        void CheckId(string? id, string where)
        {
            if (id is null || !ids.Contains(id))
            {
                problems.Add($"{where}: '{id}' is not a turn id (known: {string.Join(", ", ids)})");
            }
        }

        foreach (var turn in turns)
        {
            var tid = (string)turn["id"]!;
            foreach (var field in new[] { "prompt" })
            {
                CheckPlaceholders((string?)turn[field], $"turn '{tid}' {field}");
            }

            if (turn["context"] is JsonObject ctx)
            {
                CheckPlaceholders((string?)ctx["search"], $"turn '{tid}' context.search");
            }

            var contextFrom = turn["context_from"] switch
            {
                JsonArray a => a,
                JsonObject o => o["turns"] as JsonArray,
                _ => null,
            };
            foreach (var r in contextFrom ?? [])
            {
                CheckId((string?)r, $"turn '{tid}' context_from");
            }

            if (turn["spawn"] is JsonObject spawn && (string?)spawn["subtopics_from"] is { } from && from != "self")
            {
                CheckId(from, $"turn '{tid}' spawn.subtopics_from");
            }
        }

        void CheckPlaceholders(string? template, string where)
        {
            foreach (Match m in PlaceholderRegex().Matches(template ?? string.Empty))
            {
                var p = m.Groups[1].Value;
                if (KnownPlaceholders.Contains(p))
                {
                    continue;
                }

                if (!p.StartsWith("turn_", StringComparison.Ordinal))
                {
                    problems.Add($"{where}: unknown placeholder {{{p}}}");
                    continue;
                }

                var target = p["turn_".Length..];
                var ok = int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    ? n >= 1 && n <= turns.Count
                    : ids.Contains(target);
                if (!ok)
                {
                    problems.Add($"{where}: {{{p}}} names no turn (known: {string.Join(", ", ids)}; or 1..{turns.Count})");
                }
            }
        }

        // Mode-level references, taken from the nearest declaring mode up the extends chain.
        var phases = Inherited(name, modes, "phases") as JsonArray;
        foreach (var phase in phases ?? [])
        {
            foreach (var r in phase?["turns"] as JsonArray ?? [])
            {
                CheckId((string?)r, $"phase '{phase?["name"]}'");
            }
        }

        if (phases is not null)
        {
            var phased = phases.SelectMany(p => p?["turns"] as JsonArray ?? []).Select(r => (string?)r).ToHashSet(StringComparer.Ordinal);
            foreach (var id in ids.Where(i => !phased.Contains(i) && !IsAdditional(name, modes, i)))
            {
                problems.Add($"turn '{id}' is in no phase");
            }
        }

        foreach (var r in Inherited(name, modes, "convergence")?["between"] as JsonArray ?? [])
        {
            CheckId((string?)r, "convergence.between");
        }

        if (Inherited(name, modes, "judge") is JsonObject judge)
        {
            CheckId((string?)judge["turn"], "judge.turn");
            CheckId((string?)judge["refine_turn"], "judge.refine_turn");
        }

        if (mode["extends"] is not null && mode["overrides"] is JsonObject overrides)
        {
            var parentIds = ResolveTurns((string)mode["extends"]!, modes, []).Select(t => (string)t["id"]!).ToHashSet(StringComparer.Ordinal);
            foreach (var key in overrides.Select(kv => kv.Key).Where(k => !parentIds.Contains(k)))
            {
                problems.Add($"overrides: '{key}' is not a turn of parent '{mode["extends"]}'");
            }
        }

        return problems;
    }

    private static bool IsAdditional(string name, Dictionary<string, JsonObject> modes, string id)
    {
        for (var m = modes[name]; ; m = modes[(string)m["extends"]!])
        {
            if ((m["additional_turns"] as JsonArray ?? []).Any(t => (string?)t?["id"] == id))
            {
                return true;
            }

            if (m["extends"] is null)
            {
                return false;
            }
        }
    }

    private static JsonNode? Inherited(string name, Dictionary<string, JsonObject> modes, string property)
    {
        for (var m = modes[name]; ; m = modes[(string)m["extends"]!])
        {
            if (m[property] is { } value)
            {
                return value;
            }

            if (m["extends"] is null)
            {
                return null;
            }
        }
    }

    /// <summary>Resolves a mode's turns through <c>extends</c>: parent turns, then overrides merged in, then additional turns.</summary>
    private static List<JsonObject> ResolveTurns(string name, Dictionary<string, JsonObject> modes, List<string> chain)
    {
        if (chain.Contains(name))
        {
            throw new InvalidOperationException($"extends cycle: {string.Join(" -> ", chain)} -> {name}");
        }

        if (!modes.TryGetValue(name, out var mode))
        {
            throw new InvalidOperationException($"mode '{chain.LastOrDefault()}' extends missing mode '{name}'");
        }

        chain = [.. chain, name];
        List<JsonObject> turns;
        if ((string?)mode["extends"] is { } parent)
        {
            turns = ResolveTurns(parent, modes, chain);
            if (mode["overrides"] is JsonObject overrides)
            {
                foreach (var (id, patch) in overrides)
                {
                    var target = turns.FirstOrDefault(t => (string?)t["id"] == id);
                    if (target is null)
                    {
                        continue;
                    }

                    foreach (var (key, value) in patch!.AsObject())
                    {
                        target[key] = value?.DeepClone();
                    }
                }
            }
        }
        else
        {
            turns = (mode["turns"] as JsonArray ?? []).Select(t => t!.DeepClone().AsObject()).ToList();
        }

        foreach (var extra in mode["additional_turns"] as JsonArray ?? [])
        {
            turns.Add(extra!.DeepClone().AsObject());
        }

        return turns;
    }

    private static Dictionary<string, JsonObject> LoadAllModes()
    {
        var modes = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var file in ModeFilePaths())
        {
            modes[Path.GetFileNameWithoutExtension(file)] = LoadMode(file);
        }

        return modes;
    }

    private static JsonObject LoadMode(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    private static IEnumerable<string> ModeFilePaths() =>
        Directory.EnumerateFiles(ModesDir, "*.json")
            .Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LanguageServer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("LanguageServer.sln not found above " + AppContext.BaseDirectory);
    }
}
