using System.CommandLine;
using System.Text.Json;
using Engram.Core.Storage;
using Engram.Models.Configuration;
using Engram.Models.Embeddings;
using LibGit2Sharp;
using LLama.Native;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary>
/// <c>engram doctor [--workspace PATH] [--json]</c>: checks the configuration files, each configured model, the native
/// libraries, the workspace index and free disk space, and says what to fix. Exit 0 when nothing fails (warnings
/// included), 1 when any check fails.
/// </summary>
/// <remarks>
/// Nothing is contacted over the network and no GGUF weights are loaded: a model check reads the file's header only,
/// and the llama.cpp check loads the native library without a model.
/// </remarks>
internal static class DoctorCommand
{
    private const string Ok = "ok";
    private const string Warn = "warn";
    private const string Fail = "fail";

    // Free space below which the cache folder check warns and fails (an index plus one small model need about this).
    private const long WarnFreeBytes = 2L * 1024 * 1024 * 1024;
    private const long FailFreeBytes = 200L * 1024 * 1024;

    // llama.cpp logs through one process-wide callback; during the probe its messages are dropped so stdout stays clean.
    private static readonly NativeLogConfig.LLamaLogCallback s_silentLog = static (_, _) => { };

    public static Command Create()
    {
        var workspace = ModelsCommand.Workspace();
        var json = CommonOptions.Json();
        var command = new Command("doctor", "Check configuration, models, native libraries, the workspace index and disk space, and print what to fix.")
        {
            workspace, json,
        };
        command.SetAction(parse =>
        {
            if (CliServices.ResolveRoot(parse.GetValue(workspace)) is not { } root)
            {
                return ExitCodes.BadInput;
            }

            var checks = new List<Check>();
            var config = CheckConfiguration(root, checks);
            if (config is not null)
            {
                checks.AddRange(config.Models.Select(CheckModel));
            }

            checks.Add(CheckOnnxRuntime());
            checks.Add(CheckLlamaCpp());
            checks.Add(CheckIndex(root));
            checks.Add(CheckDisk());
            var failed = checks.Any(c => c.Status == Fail);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { root, ok = !failed, checks }, CliServices.Json));
            }
            else if (!Console.IsOutputRedirected)
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumns("Check", "Status", "Detail", "Fix");
                foreach (var c in checks)
                {
                    var status = c.Status switch { Ok => "[green]ok[/]", Warn => "[yellow]warn[/]", _ => "[red]fail[/]" };
                    table.AddRow(Markup.Escape(c.Name), status, Markup.Escape(c.Detail), Markup.Escape(c.Fix ?? ""));
                }

                AnsiConsole.Write(table);
            }
            else
            {
                foreach (var c in checks)
                {
                    Console.Out.WriteLine($"{c.Status,-4}  {c.Name}: {c.Detail}{(c.Fix is null ? "" : " — fix: " + c.Fix)}");
                }
            }

            return failed ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Checks the user file, then the workspace file over it; returns the merged configuration or null when either is invalid.</summary>
    private static EngramConfig? CheckConfiguration(string root, List<Check> checks)
    {
        var userPath = EngramConfigLoader.GetUserConfigPath();
        var workspacePath = EngramConfigLoader.GetWorkspaceConfigPath(root);
        EngramConfig? user = null;
        if (userPath is null)
        {
            checks.Add(new Check("config: user", Warn, "neither XDG_CONFIG_HOME nor HOME is set, so no user configuration is read", "set HOME or XDG_CONFIG_HOME"));
            user = EngramConfig.Empty;
        }
        else
        {
            user = TryLoad("config: user", userPath, null, checks);
        }

        var merged = TryLoad("config: workspace", workspacePath, user is null ? null : userPath, checks, root);
        if (user is not null && merged?.Workspace is { } trust)
        {
            checks.Add(CheckTrust(trust, userPath));
        }

        return user is null ? null : merged;
    }

    private static Check CheckTrust(WorkspaceTrustState trust, string? userPath)
    {
        const string name = "workspace trust";
        if (trust.Trusted)
        {
            var by = trust.TrustedFolder is { } entry ? $"trustedFolders entry {entry} in {userPath}" : "the editor";
            return new Check(name, Ok, $"{trust.Folder} is trusted (by {by}): its .engram/engram.json and .engram/modes are honoured in full", null);
        }

        if (!trust.Restricted)
        {
            return new Check(name, Ok, $"{trust.Folder} is not trusted: its .engram/engram.json may only choose among your models, narrow routes and lower budgets{(File.Exists(trust.ConfigFile) ? " (it does no more)" : "")}", null);
        }

        return new Check(name, Warn, $"{trust.Folder} is not trusted, so this in {trust.ConfigFile} was ignored: {string.Join("; ", trust.Ignored)}", $"{trust.TrustCommand} (only if you trust this repository's configuration)");
    }

    // root null: path is the user file, read on its own; else the workspace file of root, layered over userPath.
    private static EngramConfig? TryLoad(string name, string path, string? userPath, List<Check> checks, string? root = null)
    {
        EngramConfig Load() => root is null ? EngramConfigLoader.Load(path) : EngramConfigLoader.LoadLayered(userPath, path, new WorkspaceTrustContext(root));
        if (!File.Exists(path))
        {
            checks.Add(new Check(name, Ok, $"{path} (not present; optional)", null));
            return root is null ? EngramConfig.Empty : Load();
        }

        try
        {
            // The workspace file is checked layered over the user file, because its routes may name user models.
            var config = Load();
            checks.Add(new Check(name, Ok, $"{path}: {config.Models.Count} model(s)", null));
            return config;
        }
        catch (ConfigException ex)
        {
            checks.Add(new Check(name, Fail, ex.Message, $"edit {ex.FilePath} line {ex.Line}: {ex.Problem}"));
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            checks.Add(new Check(name, Fail, $"{path}: {ex.Message}", "make the file readable"));
            return null;
        }
    }

    private static Check CheckModel(ModelDefinition model)
    {
        var name = $"model: {model.Name}";
        var status = ModelsCommand.Describe(model);
        if (model.ApiKeyEnv is { } variable && status.KeySet != true)
        {
            return new Check(name, Fail, $"{status.Provider}: the API key variable {variable} is not set", $"export {variable}=<your {status.Provider} key> (or remove the model from engram.json)");
        }

        switch (model.Provider)
        {
            case ModelProvider.LocalGguf when model.Path is null:
                return new Check(name, Fail, "local-gguf model without a path", "add \"path\": \"/path/to/model.gguf\" to the model in engram.json");
            case ModelProvider.LocalGguf when status.FileExists != true:
                return new Check(name, Fail, $"{model.Path}: file not found", "fix the path in engram.json, or download a model with 'engram models pull NAME'");
            case ModelProvider.LocalGguf when status.Error is not null:
                return new Check(name, Fail, $"{model.Path}: not a readable GGUF file ({status.Error})", "download the model again ('engram models pull NAME') or point the path at a .gguf file");
            case ModelProvider.LocalGguf:
                return new Check(name, Ok, $"{model.Path}: {status.SizeBytes / 1024.0 / 1024.0:0.0} MiB, {status.Architecture ?? "?"}, {status.Quantization ?? "?"}", null);
            case ModelProvider.OpenAI or ModelProvider.Anthropic when model.ApiKeyEnv is null:
                return new Check(name, Warn, $"{status.Provider} model without apiKeyEnv: only a local, key-less endpoint will accept it", "add \"apiKeyEnv\": \"VARIABLE\" naming the variable that holds the key");
            default:
                return new Check(name, Ok, $"{status.Provider}{(status.Endpoint is null ? "" : " at " + status.Endpoint)}{(model.ApiKeyEnv is null ? "" : $", {model.ApiKeyEnv} is set")} (not contacted)", null);
        }
    }

    private static Check CheckOnnxRuntime()
    {
        try
        {
            using var embedder = OnnxSentenceEmbedder.CreateMiniLm(1);
            var vector = embedder.Embed("engram doctor");
            return new Check("native: onnxruntime", Ok, $"{embedder.ModelId} loaded, {vector.Length} dimensions", null);
        }
        catch (Exception ex)
        {
            return new Check("native: onnxruntime", Fail, $"the MiniLM embedder did not load: {ex.GetBaseException().Message}", "reinstall engram for this platform, or index with --no-embeddings");
        }
    }

    private static Check CheckLlamaCpp()
    {
        try
        {
            // Loading the library (no model) is enough to prove the native binaries match this machine.
            NativeLogConfig.llama_log_set(s_silentLog);
            var devices = NativeApi.llama_max_devices();
            var mmap = NativeApi.llama_supports_mmap();
            return new Check("native: llama.cpp", Ok, $"library loaded (max devices {devices}, mmap {(mmap ? "yes" : "no")}); no model was loaded", null);
        }
        catch (Exception ex)
        {
            return new Check("native: llama.cpp", Fail, $"the llama.cpp library did not load: {ex.GetBaseException().Message}", "reinstall engram for this platform (LLamaSharp CPU backend); local-gguf models cannot run until then");
        }
    }

    private static Check CheckIndex(string root)
    {
        var database = IndexLocation.DatabasePath(root, null);
        if (!File.Exists(database))
        {
            return new Check("index", Warn, $"no index for {root} ({database})", $"engram index {root}");
        }

        try
        {
            using var store = EngramStore.Open(database, Core.Hypervectors.EncoderSettings.Default.Dimension, create: false);
            var statistics = store.GetStatistics();
            var indexed = string.IsNullOrEmpty(statistics.IndexedCommit) ? null : statistics.IndexedCommit;
            var (head, dirty) = StatusCommand.GitState(root);
            var stale = (head is not null && head != indexed) || dirty > 0;
            var detail = $"{database}: {statistics.Files} files, {statistics.Chunks} chunks{(stale ? $", stale ({dirty} changed files{(head != indexed ? ", HEAD moved" : "")})" : "")}";
            return stale ? new Check("index", Warn, detail, $"engram index {root}") : new Check("index", Ok, detail, null);
        }
        catch (Exception ex) when (ex is IndexStoreException or LibGit2SharpException or IOException)
        {
            return new Check("index", Fail, $"{database}: {ex.Message}", $"rebuild it: delete {Path.GetDirectoryName(database)} and run 'engram index {root}'");
        }
    }

    private static Check CheckDisk()
    {
        var cacheHome = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrWhiteSpace(cacheHome))
        {
            cacheHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }

        var folder = Path.GetFullPath(Path.Combine(cacheHome, "engram"));
        var existing = folder;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        try
        {
            var free = new DriveInfo(existing).AvailableFreeSpace;
            var detail = $"{folder}: {free / 1024.0 / 1024.0 / 1024.0:0.0} GiB free";
            var fix = "free some space or point XDG_CACHE_HOME at a larger disk";
            return free < FailFreeBytes ? new Check("disk", Fail, detail, fix)
                : free < WarnFreeBytes ? new Check("disk", Warn, detail, fix)
                : new Check("disk", Ok, detail, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new Check("disk", Warn, $"{folder}: free space unknown ({ex.Message})", null);
        }
    }

    /// <summary>One line of the report: <paramref name="Status"/> is <c>ok</c>, <c>warn</c> or <c>fail</c>; <paramref name="Fix"/> is null when nothing needs doing.</summary>
    private sealed record Check(string Name, string Status, string Detail, string? Fix);
}
