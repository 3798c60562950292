using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engram.Models.Configuration;

namespace Engram.Cli.Commands;

/// <summary>
/// <c>engram trust PATH | --list | --remove PATH [--json]</c>: the folders whose <c>.engram/engram.json</c> and
/// <c>.engram/modes</c> may configure models, endpoints, keys and budgets beyond narrowing the user's configuration,
/// kept in <c>trustedFolders</c> of the user's <c>engram.json</c> (edited in place, atomically; running servers follow on
/// their next reload).
/// </summary>
/// <remarks>Exit codes: 0 done (or nothing to do); 1 the user configuration is invalid or cannot be written; 2 bad input (missing folder, nothing to remove).</remarks>
internal static class TrustCommand
{
    private static readonly string[] s_trustedFolders = ["trustedFolders"];

    public static Command Create()
    {
        var path = new Argument<string?>("path")
        {
            Description = "Folder to trust (it and every folder under it; symbolic links are resolved).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var list = new Option<bool>("--list") { Description = "List the trusted folders." };
        var remove = new Option<string?>("--remove") { Description = "Stop trusting this folder (an entry of --list)." };
        var json = CommonOptions.Json();
        var command = new Command(
            "trust",
            "Trust a folder: its .engram/engram.json may then add models, endpoints and API key variables and raise budgets, and its .engram/modes may name any model. Untrusted folders may only choose among your models, narrow routes and lower budgets.")
        {
            path, list, remove, json,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(path);
            var removed = parse.GetValue(remove);
            var listing = parse.GetValue(list);
            if ((folder is not null ? 1 : 0) + (removed is not null ? 1 : 0) + (listing ? 1 : 0) != 1)
            {
                Console.Error.WriteLine("engram: give one of PATH, --list or --remove PATH (e.g. 'engram trust ~/src/my-repo').");
                return ExitCodes.BadInput;
            }

            if (EngramConfigLoader.GetUserConfigPath() is not { } userPath)
            {
                Console.Error.WriteLine("engram: neither XDG_CONFIG_HOME nor HOME is set, so there is no user configuration to record trust in.");
                return ExitCodes.Failure;
            }

            try
            {
                return listing ? List(userPath, parse.GetValue(json))
                    : removed is not null ? Remove(userPath, removed, parse.GetValue(json))
                    : Add(userPath, folder!, parse.GetValue(json));
            }
            catch (ConfigException ex)
            {
                Console.Error.WriteLine($"engram: invalid configuration, nothing was changed: {ex.Message}");
                return ExitCodes.Failure;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"engram: cannot update {userPath}: {ex.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static int Add(string userPath, string path, bool json)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            Console.Error.WriteLine($"engram: '{path}' does not exist or is not a folder.");
            return ExitCodes.BadInput;
        }

        var folder = WorkspaceTrust.Canonicalize(full);
        string? coveredBy = null;
        var after = ConfigFileEditor.Update(userPath, config =>
        {
            coveredBy = WorkspaceTrust.FindTrustedFolder(folder, config.TrustedFolders);
            return coveredBy is not null ? [] : [Edit([.. config.TrustedFolders, folder])];
        });

        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { file = userPath, folder, added = coveredBy is null, coveredBy, trustedFolders = after.TrustedFolders }, CliServices.Json));
        }
        else if (coveredBy is not null)
        {
            Console.Out.WriteLine(coveredBy == folder ? $"{folder} is already trusted ({userPath})." : $"{folder} is already trusted through {coveredBy} ({userPath}).");
        }
        else
        {
            Console.Out.WriteLine($"Trusted {folder}: its .engram/engram.json and .engram/modes (and those of every folder under it) may now add models, endpoints and API key variables and raise budgets. Recorded in {userPath}; running Engram servers apply it on their next reload.");
        }

        if (coveredBy is null && IsBroad(folder))
        {
            Console.Error.WriteLine($"engram: warning: {folder} covers every repository under it, including ones you clone later; trusting single repositories is safer ('engram trust --remove {folder}' undoes this).");
        }

        return ExitCodes.Success;
    }

    private static int Remove(string userPath, string path, bool json)
    {
        var folder = WorkspaceTrust.Canonicalize(path);
        var found = new List<string>();
        var after = ConfigFileEditor.Update(userPath, config =>
        {
            found = config.TrustedFolders.Where(e => string.Equals(e, path, StringComparison.Ordinal) || string.Equals(Canonical(e), folder, StringComparison.Ordinal)).ToList();
            return found.Count == 0 ? [] : [Edit(config.TrustedFolders.Except(found, StringComparer.Ordinal))];
        });

        if (found.Count == 0)
        {
            Console.Error.WriteLine($"engram: {folder} is not in trustedFolders of {userPath} ({(after.TrustedFolders.Count == 0 ? "it has none" : "entries: " + string.Join(", ", after.TrustedFolders))}).");
            return ExitCodes.BadInput;
        }

        var still = Directory.Exists(folder) ? WorkspaceTrust.FindTrustedFolder(folder, after.TrustedFolders) : null;
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { file = userPath, folder, removed = found, stillTrustedBy = still, trustedFolders = after.TrustedFolders }, CliServices.Json));
        }
        else
        {
            Console.Out.WriteLine($"{folder} is no longer trusted ({userPath}).");
        }

        if (still is not null)
        {
            Console.Error.WriteLine($"engram: warning: {folder} is still trusted through {still}.");
        }

        return ExitCodes.Success;
    }

    private static int List(string userPath, bool json)
    {
        var folders = File.Exists(userPath) ? EngramConfigLoader.Load(userPath).TrustedFolders : [];
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { file = userPath, trustedFolders = folders }, CliServices.Json));
        }
        else if (folders.Count == 0)
        {
            Console.Out.WriteLine($"No trusted folders ({userPath}).");
        }
        else
        {
            foreach (var folder in folders)
            {
                Console.Out.WriteLine(folder);
            }
        }

        return ExitCodes.Success;
    }

    private static ConfigEdit Edit(IEnumerable<string> folders) => new(s_trustedFolders, new JsonArray([.. folders.Select(f => (JsonNode)f)]));

    private static string? Canonical(string entry)
    {
        try
        {
            return WorkspaceTrust.Canonicalize(entry);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    // The root of a file system, or the home folder or one of its ancestors.
    private static bool IsBroad(string folder)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.GetPathRoot(folder) == folder
            || (!string.IsNullOrEmpty(home) && WorkspaceTrust.Covers(folder, WorkspaceTrust.Canonicalize(home)));
    }
}
