using System.Text.Json;

namespace Engram.Models.Discovery;

/// <summary>
/// Finds GGUF files in configured folders and in the usual local caches: the Hugging Face hub cache,
/// LM Studio's models folders and Ollama's blob store (through its manifests).
/// </summary>
/// <remarks>
/// Locations: Hugging Face <c>$HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else
/// <c>${XDG_CACHE_HOME:-~/.cache}/huggingface/hub</c> (<c>models--ORG--NAME/snapshots/REV/**.gguf</c>);
/// LM Studio <c>~/.lmstudio/models</c> and <c>~/.cache/lm-studio/models</c>; Ollama <c>$OLLAMA_MODELS</c>, else
/// <c>~/.ollama/models</c> (<c>manifests/HOST/NAMESPACE/NAME/TAG</c> → the layer of media type
/// <c>application/vnd.ollama.image.model</c> → <c>blobs/sha256-HEX</c>). A file reached twice (a folder that
/// contains a cache, several snapshots linking one blob) is listed once, under the first source that
/// reached it (caches are searched before configured folders). Only headers are read, never tensors.
/// </remarks>
public static class ModelDiscovery
{
    private const string OllamaModelMediaType = "application/vnd.ollama.image.model";

    private static readonly EnumerationOptions s_recursive = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        MatchCasing = MatchCasing.CaseInsensitive,
        AttributesToSkip = FileAttributes.System,
    };

    /// <summary>
    /// Returns every GGUF file found, ordered by <see cref="ModelSource"/> then display name. Missing folders
    /// are skipped; files that cannot be read or parsed are listed with <see cref="DiscoveredModel.Error"/>
    /// set rather than thrown.
    /// </summary>
    public static IReadOnlyList<DiscoveredModel> Find(DiscoveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var home = options.HomeDirectory ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var found = new List<DiscoveredModel>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (options.IncludeCaches)
        {
            FindHuggingFace(HuggingFaceHubPath(options, home), found, seen);
            FindLmStudio(Path.Combine(home, ".lmstudio", "models"), found, seen);
            FindLmStudio(Path.Combine(home, ".cache", "lm-studio", "models"), found, seen);
            FindOllama(NonEmpty(options.GetEnvironmentVariable("OLLAMA_MODELS")) ?? Path.Combine(home, ".ollama", "models"), found, seen);
        }

        foreach (var folder in options.Folders)
        {
            foreach (var file in EnumerateGguf(folder))
            {
                Add(found, seen, Path.GetFileNameWithoutExtension(file), file, ModelSource.Folder);
            }
        }

        return found
            .OrderBy(m => m.Source)
            .ThenBy(m => m.DisplayName, StringComparer.OrdinalIgnoreCase)
            .ThenBy(m => m.Path, StringComparer.Ordinal)
            .ToList();
    }

    private static string HuggingFaceHubPath(DiscoveryOptions options, string home)
    {
        if (NonEmpty(options.GetEnvironmentVariable("HF_HUB_CACHE")) is { } hubCache)
        {
            return hubCache;
        }

        if (NonEmpty(options.GetEnvironmentVariable("HF_HOME")) is { } hfHome)
        {
            return Path.Combine(hfHome, "hub");
        }

        var cache = NonEmpty(options.GetEnvironmentVariable("XDG_CACHE_HOME")) ?? Path.Combine(home, ".cache");
        return Path.Combine(cache, "huggingface", "hub");
    }

    private static void FindHuggingFace(string hub, List<DiscoveredModel> found, HashSet<string> seen)
    {
        if (!Directory.Exists(hub))
        {
            return;
        }

        foreach (var repo in Directory.EnumerateDirectories(hub, "models--*"))
        {
            var repoName = Path.GetFileName(repo)["models--".Length..];
            var separator = repoName.IndexOf("--", StringComparison.Ordinal);
            if (separator >= 0)
            {
                repoName = $"{repoName[..separator]}/{repoName[(separator + 2)..]}";
            }

            var snapshots = Path.Combine(repo, "snapshots");
            if (!Directory.Exists(snapshots))
            {
                continue;
            }

            foreach (var revision in Directory.EnumerateDirectories(snapshots))
            {
                foreach (var file in EnumerateGguf(revision))
                {
                    var relative = Path.GetRelativePath(revision, file).Replace(Path.DirectorySeparatorChar, '/');
                    Add(found, seen, $"{repoName}/{relative}", file, ModelSource.HuggingFace);
                }
            }
        }
    }

    private static void FindLmStudio(string models, List<DiscoveredModel> found, HashSet<string> seen)
    {
        foreach (var file in EnumerateGguf(models))
        {
            var relative = Path.GetRelativePath(models, file).Replace(Path.DirectorySeparatorChar, '/');
            Add(found, seen, relative[..^".gguf".Length], file, ModelSource.LmStudio);
        }
    }

    private static void FindOllama(string models, List<DiscoveredModel> found, HashSet<string> seen)
    {
        var manifests = Path.Combine(models, "manifests");
        if (!Directory.Exists(manifests))
        {
            return;
        }

        foreach (var manifest in Directory.EnumerateFiles(manifests, "*", s_recursive))
        {
            var parts = Path.GetRelativePath(manifests, manifest).Split(Path.DirectorySeparatorChar);
            var name = OllamaName(parts);
            string blob;
            try
            {
                blob = OllamaBlobPath(models, manifest);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
            {
                found.Add(new DiscoveredModel(name, manifest, ModelSource.Ollama, 0, null, $"unreadable Ollama manifest: {e.Message}"));
                continue;
            }

            Add(found, seen, name, blob, ModelSource.Ollama);
        }
    }

    private static string OllamaName(string[] parts)
    {
        if (parts.Length != 4)
        {
            return string.Join('/', parts);
        }

        var (host, ns, name, tag) = (parts[0], parts[1], parts[2], parts[3]);
        if (host != "registry.ollama.ai")
        {
            return $"{host}/{ns}/{name}:{tag}";
        }

        return ns == "library" ? $"{name}:{tag}" : $"{ns}/{name}:{tag}";
    }

    private static string OllamaBlobPath(string models, string manifest)
    {
        using var stream = File.OpenRead(manifest);
        using var document = JsonDocument.Parse(stream);
        if (document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("layers", out var layers)
            && layers.ValueKind == JsonValueKind.Array)
        {
            foreach (var layer in layers.EnumerateArray())
            {
                if (layer.ValueKind == JsonValueKind.Object
                    && layer.TryGetProperty("mediaType", out var mediaType)
                    && mediaType.ValueKind == JsonValueKind.String
                    && mediaType.GetString() == OllamaModelMediaType
                    && layer.TryGetProperty("digest", out var digest)
                    && digest.ValueKind == JsonValueKind.String
                    && digest.GetString() is { } value
                    && value.StartsWith("sha256:", StringComparison.Ordinal)
                    && value.Length == "sha256:".Length + 64
                    && value.AsSpan("sha256:".Length).ContainsAnyExcept("0123456789abcdef") is false)
                {
                    return Path.Combine(models, "blobs", "sha256-" + value["sha256:".Length..]);
                }
            }
        }

        throw new InvalidDataException($"no layer of media type {OllamaModelMediaType} with a sha256 digest");
    }

    private static IEnumerable<string> EnumerateGguf(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.gguf", s_recursive) : [];

    private static void Add(List<DiscoveredModel> found, HashSet<string> seen, string displayName, string path, ModelSource source)
    {
        var full = Path.GetFullPath(path);
        long size = 0;
        string? target = full;
        try
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is not null)
            {
                var resolved = info.ResolveLinkTarget(returnFinalTarget: true);
                target = resolved?.FullName;
                info = resolved as FileInfo ?? info;
            }

            info.Refresh();
            size = info.Exists ? info.Length : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Reported below by the header read, which fails the same way.
        }

        if (!seen.Add(target ?? full))
        {
            return;
        }

        try
        {
            var header = GgufHeader.Read(full);
            found.Add(new DiscoveredModel(displayName, full, source, size, header, null));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            found.Add(new DiscoveredModel(displayName, full, source, size, null, e.Message));
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
