using Engram.Models.Configuration;
using Engram.Models.Providers;
using Engram.Models.Providers.LocalGguf;
using Engram.Models.Providers.Remote;
using Engram.Models.Routing;

namespace Engram.Cli;

/// <summary>
/// The model side of a workspace as the <c>models</c> and <c>doctor</c> commands see it: the layered
/// <c>engram.json</c>, the <see cref="ModelRegistry"/> over it, the persistent usage ledger and the router.
/// </summary>
/// <remarks>
/// The ledger (and so the router) is opened on first use, so read-only commands such as <c>models status</c> never
/// create <c>usage.db</c>. Not thread-safe; one instance per command invocation. Disposing closes the ledger and every
/// provider client created.
/// </remarks>
internal sealed class ModelServices : IDisposable
{
    private SqliteUsageLedger? _ledger;
    private ModelRouter? _router;

    private ModelServices(string workspaceRoot, string? userConfigPath, string workspaceConfigPath, EngramConfig config)
    {
        WorkspaceRoot = workspaceRoot;
        UserConfigPath = userConfigPath;
        WorkspaceConfigPath = workspaceConfigPath;
        Config = config;
        Registry = new ModelRegistry(config, CreateClient);
    }

    /// <summary>The workspace folder whose <c>.engram/engram.json</c> was layered over the user file.</summary>
    public string WorkspaceRoot { get; }

    /// <summary>The user-level configuration file (it may not exist), or null when neither HOME nor XDG_CONFIG_HOME is set.</summary>
    public string? UserConfigPath { get; }

    /// <summary>The workspace configuration file (it may not exist).</summary>
    public string WorkspaceConfigPath { get; }

    /// <summary>The merged configuration.</summary>
    public EngramConfig Config { get; }

    /// <summary>The configured models and their (lazily created) provider clients.</summary>
    public ModelRegistry Registry { get; }

    /// <summary>The usage ledger at <see cref="UsageLedgerPath"/>, opened (and created) on first access.</summary>
    public SqliteUsageLedger Ledger => _ledger ??= new SqliteUsageLedger(UsageLedgerPath());

    /// <summary>The per-task router over <see cref="Registry"/> recording into <see cref="Ledger"/>.</summary>
    public ModelRouter Router => _router ??= new ModelRouter(Registry, Ledger);

    /// <summary>
    /// Loads the layered configuration of <paramref name="workspace"/> (default: the current folder). Returns null
    /// after writing the reason to stderr when the folder does not exist or a file is invalid (the message names the
    /// file, line, column and JSON path); <paramref name="exitCode"/> is then the code to exit with.
    /// </summary>
    public static ModelServices? Open(string? workspace, out int exitCode)
    {
        exitCode = ExitCodes.Success;
        if (CliServices.ResolveRoot(workspace) is not { } root)
        {
            exitCode = ExitCodes.BadInput;
            return null;
        }

        var userPath = EngramConfigLoader.GetUserConfigPath();
        var workspacePath = EngramConfigLoader.GetWorkspaceConfigPath(root);
        try
        {
            var config = EngramConfigLoader.LoadLayered(userPath, workspacePath);
            return new ModelServices(root, userPath, workspacePath, config);
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine($"engram: invalid configuration: {ex.Message}");
            exitCode = ExitCodes.Failure;
            return null;
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"engram: cannot read configuration: {ex.Message}");
            exitCode = ExitCodes.Failure;
            return null;
        }
    }

    /// <summary>
    /// The usage ledger file: <c>$XDG_DATA_HOME/engram/usage.db</c>, falling back to <c>~/.local/share/engram/usage.db</c>.
    /// </summary>
    public static string UsageLedgerPath() => Path.Combine(DataHome(), "engram", "usage.db");

    /// <summary>The provider client of one model: <see cref="ProviderFactory"/> with in-process GGUF models.</summary>
    public static Microsoft.Extensions.AI.IChatClient CreateClient(ModelDefinition model) =>
        ProviderFactory.Create(model, new ProviderFactoryOptions { LocalGguf = m => new LocalGgufChatClient(m) });

    /// <inheritdoc />
    public void Dispose()
    {
        Registry.Dispose();
        _ledger?.Dispose();
    }

    private static string DataHome()
    {
        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return string.IsNullOrWhiteSpace(dataHome)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : dataHome;
    }
}
