using System.Globalization;
using System.Text;
using System.Text.Json;
using Engram.Files;

namespace Engram.Models.Configuration;

/// <summary>
/// Reads and validates <c>engram.json</c> files: a user-level file in the XDG config directory and an optional
/// workspace file (<c>.engram/engram.json</c>) that overrides it by model name and by route task.
/// </summary>
/// <remarks>
/// JSON comments and trailing commas are allowed. Validation is strict: unknown properties, unknown provider,
/// capability, latency or task names, duplicate model names, routes naming unknown models, and negative costs or
/// caps are errors. The first error found is thrown as a <see cref="ConfigException"/> naming the file, the 1-based
/// line and column and the JSON path. Thread-safe: all members are pure functions of their arguments and the files.
/// </remarks>
public static class EngramConfigLoader
{
    /// <summary>The file name used at both levels.</summary>
    public const string FileName = "engram.json";

    private static readonly JsonReaderOptions s_readerOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
    private static readonly JsonDocumentOptions s_documentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Loads and validates one file on its own (as the user's file: nothing is layered under it, no trust applies).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ConfigException">The file is not valid, or is refused (a symbolic link out of its workspace, not a regular file, over 1 MiB).</exception>
    public static EngramConfig Load(string path)
    {
        var parsed = ParseFile(ReadConfigFile(path), path, workspaceLevel: false);
        CheckReferences(parsed.Config, parsed.References);
        return parsed.Config;
    }

    /// <summary>
    /// Loads the user-level file, then the workspace file over it; either may be null or absent (skipped). The
    /// workspace's folder (the one holding <c>.engram/</c>) is trusted only when the user file's <c>trustedFolders</c>
    /// covers it; see <see cref="LoadLayered(string?, string?, WorkspaceTrustContext?)"/>.
    /// </summary>
    /// <returns>The merged configuration; with no models, routes or caps when neither file exists.</returns>
    /// <exception cref="ConfigException">A file is not valid or is refused (a symbolic link out of its workspace, not a regular file, over 1 MiB), or a route names a model neither file defines.</exception>
    public static EngramConfig LoadLayered(string? userConfigPath, string? workspaceConfigPath) =>
        LoadLayered(userConfigPath, workspaceConfigPath, trust: null);

    /// <summary>
    /// Loads the user-level file, then the workspace file over it; either may be null or absent (skipped).
    /// <para>A <em>trusted</em> workspace (covered by the user file's <c>trustedFolders</c>, or vouched for by
    /// <paramref name="trust"/>) overrides freely: its models replace user models of the same name (keeping the user
    /// file's position) and add new ones, its routes replace user routes of the same task, and each budget cap it sets
    /// replaces the user's.</para>
    /// <para>An <em>untrusted</em> workspace may only narrow: choose among the user's models in its routes (names of
    /// other models are dropped), require more route capabilities, drop capabilities of a user model, raise a model's
    /// costs, lower its context window, reorder through <c>priority</c>/<c>latencyClass</c> and lower budget caps.
    /// Anything more (new models, another provider, endpoint, path or key variable for a user model, raised caps) is
    /// left out and listed in <see cref="EngramConfig.Workspace"/>'s <see cref="WorkspaceTrustState.Ignored"/>.</para>
    /// <para>References from routes to models are checked after merging both files as a trusted workspace would, so a
    /// route naming a model that neither file defines is an error either way.</para>
    /// </summary>
    /// <param name="userConfigPath">The user-level file, or null.</param>
    /// <param name="workspaceConfigPath">The workspace file, or null (then <see cref="EngramConfig.Workspace"/> is null).</param>
    /// <param name="trust">The workspace folder and whether the host's client vouches for it; null: derived from the path, untrusted unless the user file trusts it.</param>
    /// <returns>The merged configuration; with no models, routes or caps when neither file exists.</returns>
    /// <exception cref="ConfigException">
    /// A file is not valid or is refused (a symbolic link out of its workspace, not a regular file, over 1 MiB), a route
    /// names a model neither file defines, or the workspace file sets <c>trustedFolders</c> (only the user's file may).
    /// </exception>
    public static EngramConfig LoadLayered(string? userConfigPath, string? workspaceConfigPath, WorkspaceTrustContext? trust)
    {
        ParsedFile? user = userConfigPath is not null && File.Exists(userConfigPath) ? ParseFile(ReadConfigFile(userConfigPath), userConfigPath, workspaceLevel: false) : null;
        ParsedFile? workspace = workspaceConfigPath is not null && File.Exists(workspaceConfigPath)
            ? ParseFile(ReadConfigFile(workspaceConfigPath), workspaceConfigPath, workspaceLevel: true)
            : null;

        var merged = (user, workspace) switch
        {
            (null, null) => new ParsedFile(EngramConfig.Empty, []),
            ({ } u, null) => u,
            (null, { } w) => Merge(new ParsedFile(EngramConfig.Empty, []), w),
            ({ } u, { } w) => Merge(u, w),
        };
        CheckReferences(merged.Config, merged.References);
        if (workspaceConfigPath is null)
        {
            return merged.Config;
        }

        var userConfig = user?.Config ?? EngramConfig.Empty;
        var folder = WorkspaceTrust.Canonicalize(trust?.WorkspaceFolder ?? WorkspaceFolderOf(workspaceConfigPath));
        var state = new WorkspaceTrustState
        {
            Folder = folder,
            ConfigFile = workspaceConfigPath,
            TrustedFolder = WorkspaceTrust.FindTrustedFolder(folder, userConfig.TrustedFolders),
            TrustedByClient = trust?.TrustedByClient == true,
        };
        if (workspace is null || state.Trusted)
        {
            return merged.Config with { Workspace = state };
        }

        var (restricted, ignored) = WorkspaceLayering.Restrict(userConfig, workspace.Config);
        return restricted with { Workspace = state with { Ignored = ignored }, Discovery = merged.Config.Discovery };
    }

    /// <summary>Parses and validates <paramref name="json"/> as if read from <paramref name="sourceName"/>.</summary>
    /// <exception cref="ConfigException">The text is not a valid configuration.</exception>
    public static EngramConfig Parse(string json, string sourceName)
    {
        var parsed = ParseFile(Encoding.UTF8.GetBytes(json), sourceName, workspaceLevel: false);
        CheckReferences(parsed.Config, parsed.References);
        return parsed.Config;
    }

    /// <summary>
    /// The user-level file: <c>$XDG_CONFIG_HOME/engram/engram.json</c>, or <c>$HOME/.config/engram/engram.json</c>
    /// when <c>XDG_CONFIG_HOME</c> is unset or empty; null when neither variable is set.
    /// </summary>
    /// <param name="getEnvironmentVariable">Reads a variable; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
    public static string? GetUserConfigPath(Func<string, string?>? getEnvironmentVariable = null)
    {
        getEnvironmentVariable ??= Environment.GetEnvironmentVariable;
        var xdg = getEnvironmentVariable("XDG_CONFIG_HOME");
        if (!string.IsNullOrEmpty(xdg))
        {
            return System.IO.Path.Combine(xdg, "engram", FileName);
        }

        var home = getEnvironmentVariable("HOME");
        return string.IsNullOrEmpty(home) ? null : System.IO.Path.Combine(home, ".config", "engram", FileName);
    }

    /// <summary>The workspace file: <c>WORKSPACE/.engram/engram.json</c>.</summary>
    public static string GetWorkspaceConfigPath(string workspaceRoot) => System.IO.Path.Combine(workspaceRoot, ".engram", FileName);

    /// <summary>The folder a workspace file belongs to: the parent of its <c>.engram</c> folder, else its own folder.</summary>
    private static string WorkspaceFolderOf(string workspaceConfigPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(workspaceConfigPath))!;
        return string.Equals(Path.GetFileName(folder), ".engram", StringComparison.Ordinal) ? Path.GetDirectoryName(folder) ?? folder : folder;
    }

    // A workspace's file (ROOT/.engram/engram.json) is read under the workspace's path rules: a symbolic link out of
    // the root, a named pipe or an oversized file is a configuration error naming the file, not a hang or a leak.
    private static byte[] ReadConfigFile(string path)
    {
        try
        {
            return WorkspaceFile.ReadAllBytes(path, WorkspaceFile.WorkspaceRootOf(path), WorkspaceFile.MaxConfigBytes);
        }
        catch (WorkspaceFileException e)
        {
            throw new ConfigException(path, 1, null, "$", "expected a regular file inside the workspace: " + e.Message, e);
        }
    }

    private static ParsedFile Merge(ParsedFile user, ParsedFile workspace)
    {
        var models = user.Config.Models.ToList();
        foreach (var model in workspace.Config.Models)
        {
            var index = models.FindIndex(m => string.Equals(m.Name, model.Name, StringComparison.Ordinal));
            if (index >= 0)
            {
                models[index] = model;
            }
            else
            {
                models.Add(model);
            }
        }

        var routes = new Dictionary<ModelTask, RouteDefinition>(user.Config.Routes);
        foreach (var (task, route) in workspace.Config.Routes)
        {
            routes[task] = route;
        }

        var references = user.References.Where(r => !workspace.Config.Routes.ContainsKey(r.Task)).Concat(workspace.References).ToList();
        var budgets = new BudgetDefinition
        {
            DailyUsd = workspace.Config.Budgets.DailyUsd ?? user.Config.Budgets.DailyUsd,
            PerRequestUsd = workspace.Config.Budgets.PerRequestUsd ?? user.Config.Budgets.PerRequestUsd,
        };
        var config = new EngramConfig
        {
            Models = models,
            Routes = routes,
            Budgets = budgets,
            Sources = [.. user.Config.Sources, .. workspace.Config.Sources],
            TrustedFolders = user.Config.TrustedFolders,

            // A workspace may turn discovery off (narrowing), never back on.
            Discovery = user.Config.Discovery && workspace.Config.Discovery,
        };
        return new ParsedFile(config, references);
    }

    private static void CheckReferences(EngramConfig config, IReadOnlyList<ModelReference> references)
    {
        foreach (var reference in references)
        {
            if (config.FindModel(reference.Name) is null)
            {
                throw new ConfigException(reference.File, reference.Line, reference.Column, reference.JsonPath, $"no model named \"{reference.Name}\" is defined");
            }
        }
    }

    private static ParsedFile ParseFile(byte[] utf8, string file, bool workspaceLevel)
    {
        var offset = utf8.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var memory = utf8.AsMemory(offset);
        var positions = IndexPositions(memory.Span, file);
        using var document = JsonDocument.Parse(memory, s_documentOptions);
        var parser = new Parser(file, memory, positions, workspaceLevel);
        return parser.ParseRoot(document.RootElement);
    }

    // Maps each JSON path to the byte offset of its value (and, under "name:" + path, of its property name), so that
    // validation of the JsonDocument can point at lines and columns. Syntax errors surface here first.
    private static Dictionary<string, int> IndexPositions(ReadOnlySpan<byte> utf8, string file)
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(utf8, s_readerOptions);
        var paths = new List<string>();
        var indexes = new List<int>();
        string? pendingProperty = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingProperty = AppendProperty(paths[^1], reader.GetString()!);
                        positions["name:" + pendingProperty] = (int)reader.TokenStartIndex;
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        var containerPath = NextValuePath(paths, indexes, pendingProperty);
                        positions[containerPath] = (int)reader.TokenStartIndex;
                        paths.Add(containerPath);
                        indexes.Add(reader.TokenType == JsonTokenType.StartArray ? 0 : -1);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        paths.RemoveAt(paths.Count - 1);
                        indexes.RemoveAt(indexes.Count - 1);
                        break;
                    default:
                        positions[NextValuePath(paths, indexes, pendingProperty)] = (int)reader.TokenStartIndex;
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            var path = pendingProperty ?? (paths.Count > 0 ? paths[^1] : "$");
            var reason = e.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut >= 0)
            {
                reason = reason[..cut];
            }

            throw new ConfigException(file, (int)(e.LineNumber ?? 0) + 1, e.BytePositionInLine is { } b ? (int)b + 1 : null, path, "invalid JSON: " + reason, e);
        }

        return positions;
    }

    private static string NextValuePath(List<string> paths, List<int> indexes, string? pendingProperty)
    {
        if (paths.Count == 0)
        {
            return "$";
        }

        if (indexes[^1] >= 0)
        {
            var index = indexes[^1];
            indexes[^1] = index + 1;
            return AppendIndex(paths[^1], index);
        }

        return pendingProperty!;
    }

    private static string AppendIndex(string path, int index) => path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    internal static string AppendProperty(string path, string name)
    {
        var plain = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        return plain ? path + "." + name : path + "['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']";
    }

    private sealed record ParsedFile(EngramConfig Config, IReadOnlyList<ModelReference> References);

    private sealed record ModelReference(ModelTask Task, string Name, string File, int Line, int Column, string JsonPath);

    private sealed class Parser(string file, ReadOnlyMemory<byte> utf8, Dictionary<string, int> positions, bool workspaceLevel)
    {
        private readonly List<ModelReference> _references = [];

        public ParsedFile ParseRoot(JsonElement root)
        {
            ExpectKind(root, "$", JsonValueKind.Object, "an object");
            CheckProperties(root, "$", ConfigNames.RootProperties);
            var models = new List<ModelDefinition>();
            var routes = new Dictionary<ModelTask, RouteDefinition>();
            var budgets = new BudgetDefinition();

            if (root.TryGetProperty("$schema", out var schema))
            {
                ExpectKind(schema, "$['$schema']", JsonValueKind.String, "a string");
            }

            if (root.TryGetProperty("models", out var modelsElement))
            {
                ExpectKind(modelsElement, "$.models", JsonValueKind.Array, "an array of models");
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var index = 0;
                foreach (var item in modelsElement.EnumerateArray())
                {
                    var path = AppendIndex("$.models", index++);
                    var model = ParseModel(item, path);
                    if (!seen.Add(model.Name))
                    {
                        throw Error(AppendProperty(path, "name"), $"duplicate model name \"{model.Name}\"");
                    }

                    models.Add(model);
                }
            }

            if (root.TryGetProperty("routes", out var routesElement))
            {
                ExpectKind(routesElement, "$.routes", JsonValueKind.Object, "an object keyed by task");
                foreach (var property in routesElement.EnumerateObject())
                {
                    var path = AppendProperty("$.routes", property.Name);
                    var taskIndex = IndexOf(ConfigNames.Tasks, property.Name);
                    if (taskIndex < 0)
                    {
                        throw ErrorAtName(path, $"expected a task ({string.Join(", ", ConfigNames.Tasks)}); found \"{property.Name}\"");
                    }

                    var task = (ModelTask)taskIndex;
                    routes[task] = ParseRoute(property.Value, path, task);
                }
            }

            if (root.TryGetProperty("budgets", out var budgetsElement))
            {
                ExpectKind(budgetsElement, "$.budgets", JsonValueKind.Object, "an object");
                CheckProperties(budgetsElement, "$.budgets", ConfigNames.BudgetProperties);
                budgets = new BudgetDefinition
                {
                    DailyUsd = OptionalUsd(budgetsElement, "$.budgets", "dailyUsd"),
                    PerRequestUsd = OptionalUsd(budgetsElement, "$.budgets", "perRequestUsd"),
                };
            }

            var trustedFolders = new List<string>();
            if (root.TryGetProperty("trustedFolders", out var trustedElement))
            {
                if (workspaceLevel)
                {
                    // A workspace must never be able to trust itself (or anything else).
                    throw ErrorAtName("$.trustedFolders", "only your user configuration can trust folders (engram trust PATH writes it there); remove trustedFolders from this workspace file");
                }

                ExpectKind(trustedElement, "$.trustedFolders", JsonValueKind.Array, "an array of absolute folder paths");
                var index = 0;
                foreach (var item in trustedElement.EnumerateArray())
                {
                    var itemPath = AppendIndex("$.trustedFolders", index++);
                    if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } folder || !System.IO.Path.IsPathFullyQualified(folder))
                    {
                        throw Error(itemPath, $"expected an absolute folder path; found {Describe(item)}");
                    }

                    trustedFolders.Add(folder);
                }
            }

            var discovery = true;
            if (root.TryGetProperty("discovery", out var discoveryElement))
            {
                if (discoveryElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw Error("$.discovery", $"expected true or false; found {Describe(discoveryElement)}");
                }

                discovery = discoveryElement.GetBoolean();
            }

            var config = new EngramConfig { Models = models, Routes = routes, Budgets = budgets, Sources = [file], TrustedFolders = trustedFolders, Discovery = discovery };
            return new ParsedFile(config, _references);
        }

        private ModelDefinition ParseModel(JsonElement element, string path)
        {
            ExpectKind(element, path, JsonValueKind.Object, "a model object");
            CheckProperties(element, path, ConfigNames.ModelProperties);
            var name = RequiredString(element, path, "name");
            var provider = (ModelProvider)RequiredEnum(element, path, "provider", ConfigNames.Providers, "a provider");
            Uri? endpoint = null;
            if (OptionalString(element, path, "endpoint") is { } endpointText)
            {
                if (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint))
                {
                    throw Error(AppendProperty(path, "endpoint"), $"expected an absolute URL; found \"{Truncate(endpointText)}\"");
                }
            }

            var apiKeyEnv = OptionalString(element, path, "apiKeyEnv");
            if (apiKeyEnv is not null && !IsEnvironmentVariableName(apiKeyEnv))
            {
                // Never echo the value: a user may have pasted the key itself here.
                throw Error(AppendProperty(path, "apiKeyEnv"), "expected the name of an environment variable (letters, digits and '_', not starting with a digit), not the key itself");
            }

            var capabilities = RequiredCapabilities(element, path);
            int? contextWindow = null;
            if (element.TryGetProperty("contextWindow", out var contextElement))
            {
                var contextPath = AppendProperty(path, "contextWindow");
                if (contextElement.ValueKind != JsonValueKind.Number || !contextElement.TryGetInt32(out var window) || window <= 0)
                {
                    throw Error(contextPath, $"expected a positive integer (tokens); found {Describe(contextElement)}");
                }

                contextWindow = window;
            }

            var latency = element.TryGetProperty("latencyClass", out _)
                ? (LatencyClass)RequiredEnum(element, path, "latencyClass", ConfigNames.LatencyClasses, "a latency class")
                : LatencyClass.Medium;
            var priority = 0;
            if (element.TryGetProperty("priority", out var priorityElement)
                && (priorityElement.ValueKind != JsonValueKind.Number || !priorityElement.TryGetInt32(out priority)))
            {
                throw Error(AppendProperty(path, "priority"), $"expected an integer; found {Describe(priorityElement)}");
            }

            var modelPath = OptionalString(element, path, "path");
            if (provider == ModelProvider.Onnx)
            {
                CheckOnnxModel(path, endpoint, modelPath, apiKeyEnv, capabilities);
            }

            return new ModelDefinition
            {
                Name = name,
                Provider = provider,
                Endpoint = endpoint,
                Path = modelPath,
                ApiKeyEnv = apiKeyEnv,
                Capabilities = capabilities,
                ContextWindow = contextWindow,
                CostPerMillionInput = OptionalUsd(element, path, "costPerMillionInput") ?? 0m,
                CostPerMillionOutput = OptionalUsd(element, path, "costPerMillionOutput") ?? 0m,
                LatencyClass = latency,
                Priority = priority,
            };
        }

        // The built-in embedder is the bundled all-MiniLM-L6-v2: nothing to connect to, no key, no other capability.
        private void CheckOnnxModel(string path, Uri? endpoint, string? modelPath, string? apiKeyEnv, IReadOnlyList<ModelCapability> capabilities)
        {
            if (endpoint is not null)
            {
                throw Error(AppendProperty(path, "endpoint"), "an onnx model runs in-process and takes no endpoint");
            }

            if (apiKeyEnv is not null)
            {
                throw Error(AppendProperty(path, "apiKeyEnv"), "an onnx model runs in-process and takes no API key");
            }

            if (modelPath is not null && !string.Equals(modelPath, Embeddings.OnnxSentenceEmbedder.MiniLmModelName, StringComparison.Ordinal))
            {
                throw Error(AppendProperty(path, "path"), $"an onnx model is the built-in {Embeddings.OnnxSentenceEmbedder.MiniLmModelName}; omit \"path\" or set it to \"{Embeddings.OnnxSentenceEmbedder.MiniLmModelName}\"");
            }

            if (capabilities.Any(c => c != ModelCapability.Embedding))
            {
                throw Error(AppendProperty(path, "capabilities"), "an onnx model can only have the \"embedding\" capability");
            }
        }

        private RouteDefinition ParseRoute(JsonElement element, string path, ModelTask task)
        {
            ExpectKind(element, path, JsonValueKind.Object, "a route object");
            CheckProperties(element, path, ConfigNames.RouteProperties);
            var capabilities = element.TryGetProperty("capabilities", out var capabilitiesElement)
                ? ParseCapabilities(capabilitiesElement, AppendProperty(path, "capabilities"), allowEmpty: true)
                : RouteDefinition.DefaultCapabilities(task);
            return new RouteDefinition
            {
                Capabilities = capabilities.Count > 0 ? capabilities : RouteDefinition.DefaultCapabilities(task),
                Preferred = ModelNames(element, path, "preferred", task),
                Fallback = ModelNames(element, path, "fallback", task),
            };
        }

        private List<string> ModelNames(JsonElement route, string routePath, string property, ModelTask task)
        {
            var names = new List<string>();
            if (!route.TryGetProperty(property, out var element))
            {
                return names;
            }

            var path = AppendProperty(routePath, property);
            ExpectKind(element, path, JsonValueKind.Array, "an array of model names");
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                var itemPath = AppendIndex(path, index++);
                if (item.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(item.GetString()))
                {
                    throw Error(itemPath, $"expected a model name; found {Describe(item)}");
                }

                var (line, column) = LineAndColumn(itemPath);
                _references.Add(new ModelReference(task, item.GetString()!, file, line, column, itemPath));
                names.Add(item.GetString()!);
            }

            return names;
        }

        private List<ModelCapability> RequiredCapabilities(JsonElement model, string path)
        {
            if (!model.TryGetProperty("capabilities", out var element))
            {
                throw Error(path, "missing required property \"capabilities\"");
            }

            return ParseCapabilities(element, AppendProperty(path, "capabilities"), allowEmpty: false);
        }

        private List<ModelCapability> ParseCapabilities(JsonElement element, string path, bool allowEmpty)
        {
            ExpectKind(element, path, JsonValueKind.Array, "an array of capabilities");
            if (!allowEmpty && element.GetArrayLength() == 0)
            {
                throw Error(path, "expected at least one capability");
            }

            var capabilities = new List<ModelCapability>();
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                var itemPath = AppendIndex(path, index++);
                var value = EnumValue(item, itemPath, ConfigNames.Capabilities);
                if (capabilities.Contains((ModelCapability)value))
                {
                    throw Error(itemPath, $"duplicate capability \"{ConfigNames.Capabilities[value]}\"");
                }

                capabilities.Add((ModelCapability)value);
            }

            return capabilities;
        }

        private int RequiredEnum(JsonElement parent, string parentPath, string property, IReadOnlyList<string> names, string what)
        {
            if (!parent.TryGetProperty(property, out var element))
            {
                throw Error(parentPath, $"missing required property \"{property}\" ({what}: {string.Join(", ", names)})");
            }

            return EnumValue(element, AppendProperty(parentPath, property), names);
        }

        private int EnumValue(JsonElement element, string path, IReadOnlyList<string> names)
        {
            var index = element.ValueKind == JsonValueKind.String ? IndexOf(names, element.GetString()!) : -1;
            if (index < 0)
            {
                throw Error(path, $"expected one of {string.Join(", ", names)}; found {Describe(element)}");
            }

            return index;
        }

        private string RequiredString(JsonElement parent, string parentPath, string property)
        {
            if (!parent.TryGetProperty(property, out _))
            {
                throw Error(parentPath, $"missing required property \"{property}\"");
            }

            var value = OptionalString(parent, parentPath, property)!;
            if (value.Length == 0)
            {
                throw Error(AppendProperty(parentPath, property), "expected a non-empty string");
            }

            return value;
        }

        private string? OptionalString(JsonElement parent, string parentPath, string property)
        {
            if (!parent.TryGetProperty(property, out var element))
            {
                return null;
            }

            ExpectKind(element, AppendProperty(parentPath, property), JsonValueKind.String, "a string");
            return element.GetString();
        }

        private decimal? OptionalUsd(JsonElement parent, string parentPath, string property)
        {
            if (!parent.TryGetProperty(property, out var element))
            {
                return null;
            }

            var path = AppendProperty(parentPath, property);
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetDecimal(out var value))
            {
                throw Error(path, $"expected a non-negative number (USD); found {Describe(element)}");
            }

            if (value < 0)
            {
                throw Error(path, $"expected a non-negative number (USD); found {value.ToString(CultureInfo.InvariantCulture)}");
            }

            return value;
        }

        private void CheckProperties(JsonElement element, string path, IReadOnlyList<string> known)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (IndexOf(known, property.Name) < 0)
                {
                    throw ErrorAtName(AppendProperty(path, property.Name), $"unknown property \"{property.Name}\"; expected one of {string.Join(", ", known)}");
                }
            }
        }

        private void ExpectKind(JsonElement element, string path, JsonValueKind kind, string what)
        {
            if (element.ValueKind != kind)
            {
                throw Error(path, $"expected {what}; found {Describe(element)}");
            }
        }

        private ConfigException Error(string path, string problem)
        {
            var (line, column) = LineAndColumn(path);
            return new ConfigException(file, line, column, path, problem);
        }

        private ConfigException ErrorAtName(string path, string problem)
        {
            var (line, column) = LineAndColumn(positions.ContainsKey("name:" + path) ? "name:" + path : path);
            return new ConfigException(file, line, column, path, problem);
        }

        private (int Line, int Column) LineAndColumn(string key)
        {
            var offset = positions.TryGetValue(key, out var o) ? o : 0;
            var span = utf8.Span[..offset];
            var line = span.Count((byte)'\n') + 1;
            var lineStart = span.LastIndexOf((byte)'\n') + 1;
            return (line, offset - lineStart + 1);
        }

        private static string Describe(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => "\"" + Truncate(element.GetString()!) + "\"",
            JsonValueKind.Number => element.GetRawText(),
            JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
            JsonValueKind.Null => "null",
            JsonValueKind.Array => "an array",
            _ => "an object",
        };

        private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

        private static bool IsEnvironmentVariableName(string name) =>
            name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

        private static int IndexOf(IReadOnlyList<string> names, string value)
        {
            for (var i = 0; i < names.Count; i++)
            {
                if (string.Equals(names[i], value, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
