using System.Text.Json;
using System.Text.Json.Nodes;
using Engram.Models.Configuration;
using Json.Schema;

namespace Engram.Features.Dialogue;

/// <summary>
/// The dialogue modes found in a list of folders (<c>*.json</c> except <c>*.schema.json</c>; a later folder overrides an
/// earlier one by mode name), validated against <c>mode.schema.json</c> (the first folder holding one) and resolved
/// through <c>extends</c> / <c>overrides</c> / <c>additional_turns</c>.
/// </summary>
/// <remarks>
/// A bad file does not hide the good ones: its errors are kept in <see cref="Errors"/> and raised when that mode is asked
/// for. With a <see cref="ModeTrust"/>, a mode from an untrusted workspace's <c>.engram/modes</c> (or one that extends or
/// overrides such a mode) that names a model the configuration does not define is refused the same way, with the
/// command that trusts the workspace.
/// </remarks>
public sealed class ModeCatalog
{
    private readonly Dictionary<string, (JsonObject Json, string File)> _raw = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModeDefinition> _resolved = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModeException> _errors = new(StringComparer.Ordinal);
    private readonly JsonSchema? _schema;

    /// <summary>Loads every mode of <paramref name="directories"/> (missing folders are skipped).</summary>
    public ModeCatalog(IEnumerable<string> directories)
        : this(directories, trust: null)
    {
    }

    /// <summary>Loads every mode of <paramref name="directories"/>, refusing what <paramref name="trust"/> does not allow (null: no restriction).</summary>
    public ModeCatalog(IEnumerable<string> directories, ModeTrust? trust)
    {
        var dirs = directories.Where(Directory.Exists).ToList();
        var schemaFile = dirs.Select(d => Path.Combine(d, "mode.schema.json")).FirstOrDefault(File.Exists);
        SchemaPath = schemaFile;
        _schema = schemaFile is null ? null : LoadSchema(schemaFile);
        foreach (var dir in dirs)
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                _errors.Remove(name);
                _raw.Remove(name);
                try
                {
                    var json = ParseAndValidate(file, File.ReadAllText(file), _schema);
                    if ((string?)json["name"] != name)
                    {
                        throw new ModeException(file, "$.name", $"the mode name must equal the file name '{name}' (got '{json["name"]}')");
                    }

                    _raw[name] = (json, file);
                }
                catch (ModeException e)
                {
                    _errors[name] = e;
                }
                catch (IOException e)
                {
                    _errors[name] = new ModeException(file, "$", "a readable file (" + e.Message + ")");
                }
            }
        }

        foreach (var name in _raw.Keys.ToList())
        {
            try
            {
                var definition = ModeDefinition.FromResolved(Resolve(name, []), _raw[name].File);
                if (trust is not null)
                {
                    CheckTrust(definition, trust);
                }

                _resolved[name] = definition;
            }
            catch (ModeException e)
            {
                _errors[name] = e;
            }
        }
    }

    /// <summary>The schema file used for validation, or null when no folder has one (then only structural checks run).</summary>
    public string? SchemaPath { get; }

    /// <summary>Valid modes, sorted by name.</summary>
    public IReadOnlyList<ModeDefinition> Modes => _resolved.Values.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();

    /// <summary>Errors per invalid mode name.</summary>
    public IReadOnlyDictionary<string, ModeException> Errors => _errors;

    /// <summary>The resolved mode <paramref name="name"/>.</summary>
    /// <exception cref="ModeException">The mode (or a parent) is invalid.</exception>
    /// <exception cref="ArgumentException">No mode has that name (the message lists the known ones).</exception>
    public ModeDefinition Get(string name)
    {
        if (_resolved.TryGetValue(name, out var mode))
        {
            return mode;
        }

        if (_errors.TryGetValue(name, out var error))
        {
            throw error;
        }

        throw new ArgumentException($"Unknown mode '{name}'. Known modes: {string.Join(", ", _resolved.Keys.Order(StringComparer.Ordinal))}.", nameof(name));
    }

    /// <summary>
    /// Parses a mode schema file. Schemas are cached by content and built in a private registry, so several catalogs
    /// (and edited schemas with the same <c>$id</c>) can coexist in one process.
    /// </summary>
    public static JsonSchema LoadSchema(string path)
    {
        var text = File.ReadAllText(path);
        return SchemaCache.GetOrAdd(text, t => JsonSchema.FromText(t, new BuildOptions { SchemaRegistry = new SchemaRegistry() }));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonSchema> SchemaCache = new(StringComparer.Ordinal);

    /// <summary>Validates one file's text against the schema; returns the parsed object.</summary>
    /// <exception cref="ModeException">Invalid JSON (with line and column) or schema violations (JSON path and what was expected).</exception>
    public static JsonObject ParseAndValidate(string file, string text, JsonSchema? schema)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ModeException(file, e.Path ?? "$", $"expected valid JSON; syntax error at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: {e.Message}");
        }

        if (node is not JsonObject obj)
        {
            throw new ModeException(file, "$", "a JSON object");
        }

        if (schema is not null)
        {
            var errors = Validate(schema, obj);
            if (errors.Count > 0)
            {
                throw new ModeException(file, errors.Select(e => $"{e.Path}: {e.Message}").Distinct().ToList());
            }
        }

        return obj;
    }

    /// <summary>Schema errors of <paramref name="mode"/> as (JSON path like <c>$.turns[0].participant</c>, message).</summary>
    public static IReadOnlyList<(string Path, string Message)> Validate(JsonSchema schema, JsonNode mode)
    {
        using var doc = JsonDocument.Parse(mode.ToJsonString());
        var results = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = new List<(string, string)>();
        if (results.IsValid)
        {
            return errors;
        }

        Collect(results, errors);
        if (errors.Count == 0)
        {
            errors.Add((ToJsonPath(results.InstanceLocation.ToString()), "does not match the schema"));
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
                errors.Add((ToJsonPath(node.InstanceLocation.ToString()), $"expected {message} ({keyword} at schema {schemaPath})"));
            }
        }

        foreach (var child in node.Details ?? [])
        {
            Collect(child, errors);
        }
    }

    /// <summary>JSON Pointer (<c>/turns/0/id</c>) to JSON path (<c>$.turns[0].id</c>).</summary>
    public static string ToJsonPath(string pointer)
    {
        var path = "$";
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var s = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            path += s.All(char.IsAsciiDigit) ? $"[{s}]" : "." + s;
        }

        return path;
    }

    // A mode resolved from a file of an untrusted workspace may only name configured models.
    private void CheckTrust(ModeDefinition mode, ModeTrust trust)
    {
        var workspace = ChainFiles(mode.Name).Select(trust.UntrustedWorkspaceOf).FirstOrDefault(w => w is not null);
        if (workspace is null)
        {
            return;
        }

        var file = _raw[mode.Name].File;
        for (var i = 0; i < mode.Turns.Count; i++)
        {
            var participant = mode.Turns[i].Participant;
            var path = $"$.turns[{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}].participant";
            var named = participant.Model is { } model ? [(path + ".model", model)] : new List<(string, string)>();
            named.AddRange(participant.Prefer.Select((p, j) => ($"{path}.prefer[{j.ToString(System.Globalization.CultureInfo.InvariantCulture)}]", p)));
            foreach (var (where, name) in named)
            {
                if (!trust.ConfiguredModels.Contains(name))
                {
                    throw new ModeException(file, where,
                        $"a model your configuration defines (\"{name}\" is not one): {workspace} is not a trusted folder, so its modes may only name your own models; to trust it: "
                        + WorkspaceTrust.TrustCommand(workspace));
                }
            }
        }
    }

    // The files a resolved mode is made of: its own, then each parent's through extends.
    private IEnumerable<string> ChainFiles(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = name; current is not null && seen.Add(current) && _raw.TryGetValue(current, out var entry); current = (string?)entry.Json["extends"])
        {
            yield return entry.File;
        }
    }

    /// <summary>Resolves <paramref name="name"/> into one mode object without <c>extends</c>.</summary>
    private JsonObject Resolve(string name, List<string> chain)
    {
        if (chain.Contains(name, StringComparer.Ordinal))
        {
            var file = _raw.TryGetValue(chain[0], out var f) ? f.File : chain[0];
            throw new ModeException(file, "$.extends", $"no extends cycle (found {string.Join(" -> ", chain)} -> {name})");
        }

        if (!_raw.TryGetValue(name, out var entry))
        {
            var child = chain[^1];
            if (_errors.TryGetValue(name, out var parentError))
            {
                throw new ModeException(_raw[child].File, "$.extends", $"a valid parent mode '{name}' (it is invalid: {parentError.Message})");
            }

            throw new ModeException(_raw[child].File, "$.extends", $"an existing parent mode (no mode named '{name}')");
        }

        chain = [.. chain, name];
        var mode = entry.Json;
        if ((string?)mode["extends"] is not { } parentName)
        {
            return (JsonObject)mode.DeepClone();
        }

        var parent = Resolve(parentName, chain);
        var result = (JsonObject)parent.DeepClone();
        foreach (var (key, value) in mode)
        {
            if (key is "extends" or "overrides" or "additional_turns" or "turns" or "$schema")
            {
                continue;
            }

            result[key] = value?.DeepClone();
        }

        var turns = result["turns"] as JsonArray ?? [];
        if (mode["turns"] is JsonArray ownTurns)
        {
            turns = (JsonArray)ownTurns.DeepClone();
        }

        if (mode["overrides"] is JsonObject overrides)
        {
            foreach (var (id, patch) in overrides)
            {
                var target = turns.OfType<JsonObject>().FirstOrDefault(t => (string?)t["id"] == id)
                    ?? throw new ModeException(entry.File, $"$.overrides.{id}", $"a turn of parent '{parentName}' (known: {string.Join(", ", turns.Select(t => (string?)t?["id"]))})");
                foreach (var (key, value) in patch!.AsObject())
                {
                    target[key] = value?.DeepClone();
                }
            }
        }

        if (mode["additional_turns"] is JsonArray extra)
        {
            foreach (var t in extra)
            {
                turns.Add(t!.DeepClone());
            }
        }

        result["turns"] = turns;
        result["name"] = name;
        result["description"] = mode["description"]?.DeepClone();
        result.Remove("extends");
        result.Remove("$schema");
        return result;
    }
}
