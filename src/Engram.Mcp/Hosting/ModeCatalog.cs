using System.Collections.Concurrent;
using System.Text.Json;
using Engram.Files;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engram.Mcp.Hosting;

/// <summary>A dialogue mode file as the MCP host serves it (prompt and <c>engram://modes/{name}</c> resource).</summary>
/// <param name="Name">Mode name.</param>
/// <param name="Description">What the mode does.</param>
/// <param name="Path">Full path of the JSON file.</param>
public sealed record ModeFile(string Name, string Description, string Path);

/// <summary>
/// The dialogue modes found in <c>modes/*.json</c> folders, later folders overriding earlier ones by name. Read on
/// every call (files are small and may be edited while the server runs).
/// </summary>
public sealed class ModeCatalog
{
    private readonly IReadOnlyList<string> _directories;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _reported = new(StringComparer.Ordinal);

    /// <summary>Creates the catalogue over <paramref name="directories"/> (missing ones are skipped).</summary>
    /// <param name="directories">Mode folders, lowest precedence first.</param>
    /// <param name="logger">Where refused folders and files are reported (once each).</param>
    public ModeCatalog(IReadOnlyList<string> directories, ILogger? logger = null)
    {
        _directories = directories;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The folders searched, in override order.</summary>
    public IReadOnlyList<string> Directories => _directories;

    /// <summary>
    /// Modes sorted by name; files that are not a JSON object with a string <c>name</c> are skipped. A workspace's
    /// folder (<c>ROOT/.engram/modes</c>) that leads outside its root, and files in it that do (symbolic links), are
    /// skipped and logged once: they go through <see cref="WorkspaceFile"/>'s rules like every workspace file.
    /// </summary>
    public IReadOnlyList<ModeFile> List()
    {
        var byName = new Dictionary<string, ModeFile>(StringComparer.Ordinal);
        foreach (var directory in _directories.Where(Directory.Exists))
        {
            var root = WorkspaceFile.WorkspaceRootOf(directory);
            try
            {
                if (root is not null)
                {
                    WorkspaceFile.CheckInsideRoot(directory, root);
                }
            }
            catch (WorkspaceFileException ex)
            {
                ReportOnce(directory, ex.Message);
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
            {
                if (Path.GetFileName(file).EndsWith(".schema.json", StringComparison.Ordinal))
                {
                    continue;
                }

                try
                {
                    using var document = JsonDocument.Parse(WorkspaceFile.ReadAllText(file, root, WorkspaceFile.MaxConfigBytes));
                    if (document.RootElement.ValueKind == JsonValueKind.Object
                        && document.RootElement.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                    {
                        var description = document.RootElement.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
                        byName[name.GetString()!] = new ModeFile(name.GetString()!, description, file);
                    }
                }
                catch (WorkspaceFileException ex)
                {
                    ReportOnce(file, ex.Message);
                }
                catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
                {
                    // An unreadable mode is left out; the dialogue engine reports it when asked to run it.
                }
            }
        }

        return byName.Values.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
    }

    private void ReportOnce(string path, string reason)
    {
        if (_reported.TryAdd(path + "\n" + reason, true))
        {
            _logger.LogWarning("Dialogue mode {Path} skipped: {Reason}", path, reason);
        }
    }

    /// <summary>The mode named <paramref name="name"/>, or null.</summary>
    public ModeFile? Find(string name) => List().FirstOrDefault(m => m.Name == name);

    /// <summary>
    /// The default folders: the <c>modes/</c> shipped beside the executable (or found walking up from it in a
    /// checkout), <c>$XDG_CONFIG_HOME/engram/modes</c>, then <c>.engram/modes</c> of each root.
    /// </summary>
    public static IReadOnlyList<string> DefaultDirectories(IReadOnlyList<string> roots)
    {
        var list = new List<string>();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "modes");
            if (File.Exists(Path.Combine(candidate, "mode.schema.json")) || (dir.FullName == AppContext.BaseDirectory.TrimEnd('/') && Directory.Exists(candidate)))
            {
                list.Add(candidate);
                break;
            }
        }

        var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        config = string.IsNullOrWhiteSpace(config)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config")
            : config;
        list.Add(Path.Combine(config, "engram", "modes"));
        list.AddRange(roots.Select(r => Path.Combine(r, ".engram", "modes")));
        return list;
    }
}
