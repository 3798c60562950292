using Engram.Models.Configuration;
using Engram.Models.Discovery;
using Engram.Models.Providers;
using Engram.Models.Providers.LocalGguf;
using Engram.Models.Providers.Remote;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Features.Hosting;

/// <summary>
/// The model side of a workspace as every host sees it: the layered <c>engram.json</c> (user file, then
/// <c>.engram/engram.json</c> of the workspace), the <see cref="ModelRegistry"/> over it, the persistent usage ledger
/// and the per-task <see cref="ModelRouter"/>.
/// </summary>
/// <remarks>
/// The ledger (and so the router) is opened on first use, so read-only callers never create <c>usage.db</c>.
/// Thread-safe for reads; <see cref="Dispose"/> closes the ledger and every provider client created.
/// </remarks>
public sealed class EngramModels : IDisposable
{
    private readonly Lazy<IUsageLedger> _ledger;
    private readonly Lazy<ModelRouter> _router;

    /// <summary>Wraps an already loaded configuration.</summary>
    /// <param name="workspaceRoot">Full path of the workspace folder.</param>
    /// <param name="config">The merged configuration.</param>
    /// <param name="ledger">The usage ledger; null opens the SQLite ledger at <see cref="UsageLedgerPath"/> on first use.</param>
    /// <param name="clientFactory">Creates a model's provider client; null uses <see cref="CreateClient"/>.</param>
    /// <param name="routerOptions">Router options (time provider, retries), or null for the defaults.</param>
    public EngramModels(
        string workspaceRoot,
        EngramConfig config,
        IUsageLedger? ledger = null,
        Func<ModelDefinition, IChatClient>? clientFactory = null,
        ModelRouterOptions? routerOptions = null)
    {
        WorkspaceRoot = workspaceRoot;
        Config = config;
        Registry = new ModelRegistry(config, clientFactory ?? CreateClient);
        _ledger = new Lazy<IUsageLedger>(() => ledger ?? new SqliteUsageLedger(UsageLedgerPath()), LazyThreadSafetyMode.ExecutionAndPublication);
        _router = new Lazy<ModelRouter>(() => new ModelRouter(Registry, _ledger.Value, routerOptions), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The workspace folder whose <c>.engram/engram.json</c> was layered over the user file.</summary>
    public string WorkspaceRoot { get; }

    /// <summary>The user-level configuration file (it may not exist), or null when neither HOME nor XDG_CONFIG_HOME is set.</summary>
    public string? UserConfigPath { get; private init; }

    /// <summary>The workspace configuration file (it may not exist).</summary>
    public string WorkspaceConfigPath { get; private init; } = "";

    /// <summary>The merged configuration.</summary>
    public EngramConfig Config { get; }

    /// <summary>
    /// Whether the workspace file was honoured in full or only narrowed the user's configuration, and what was
    /// ignored (<see cref="WorkspaceTrustState.Notice"/> says it with the command that trusts the folder); null for a
    /// configuration built without a workspace file.
    /// </summary>
    public WorkspaceTrustState? Trust => Config.Workspace;

    /// <summary>The configured models and their (lazily created) provider clients.</summary>
    public ModelRegistry Registry { get; }

    /// <summary>The usage ledger, opened (and created) on first access.</summary>
    public IUsageLedger Ledger => _ledger.Value;

    /// <summary>The per-task router over <see cref="Registry"/> recording into <see cref="Ledger"/>.</summary>
    public ModelRouter Router => _router.Value;

    /// <summary>
    /// Loads the layered configuration of <paramref name="workspaceRoot"/>: the workspace file is honoured in full only
    /// when the user's <c>trustedFolders</c> covers the folder (see <see cref="Trust"/>).
    /// </summary>
    /// <exception cref="ConfigException">A configuration file is invalid; the message names the file, line, column and JSON path.</exception>
    /// <exception cref="IOException">A configuration file exists but cannot be read.</exception>
    public static EngramModels Load(string workspaceRoot)
    {
        var userPath = EngramConfigLoader.GetUserConfigPath();
        var workspacePath = EngramConfigLoader.GetWorkspaceConfigPath(workspaceRoot);
        var config = Discover(EngramConfigLoader.LoadLayered(userPath, workspacePath, new WorkspaceTrustContext(workspaceRoot)));
        return new EngramModels(workspaceRoot, config) { UserConfigPath = userPath, WorkspaceConfigPath = workspacePath };
    }

    /// <summary>Wraps <paramref name="config"/> loaded from the given files (what <see cref="ReloadingEngramModels"/> builds per generation).</summary>
    internal static EngramModels FromFiles(
        string workspaceRoot,
        EngramConfig config,
        string? userConfigPath,
        string? workspaceConfigPath,
        IUsageLedger ledger,
        Func<ModelDefinition, IChatClient>? clientFactory,
        ModelRouterOptions? routerOptions) =>
        new(workspaceRoot, config, ledger, clientFactory, routerOptions) { UserConfigPath = userConfigPath, WorkspaceConfigPath = workspaceConfigPath ?? "" };

    /// <summary>True when at least one configured model has the capabilities <paramref name="task"/> needs.</summary>
    public bool HasModelFor(ModelTask task) => CapabilityRouter.Rank(Config, task).Count > 0;

    /// <summary>
    /// The routed client for <paramref name="task"/> (fallbacks, budgets, usage recording), or null when no configured
    /// model can serve it (callers then degrade to their deterministic behaviour and say so once).
    /// </summary>
    public IChatClient? TryGetChatClient(ModelTask task) => HasModelFor(task) ? Router.GetChatClient(task) : null;

    /// <summary>
    /// Like <see cref="TryGetChatClient(ModelTask)"/>, with <paramref name="preferredModel"/> (an editor's explicit model
    /// choice) tried first and the task's usual candidates as fallbacks. A name that no configured model has is
    /// ignored (the usual routing applies).
    /// </summary>
    public IChatClient? TryGetChatClient(ModelTask task, string? preferredModel) =>
        string.IsNullOrEmpty(preferredModel) || Config.FindModel(preferredModel) is null
            ? TryGetChatClient(task)
            : Router.GetChatClient(task, preferredModel);

    /// <summary>
    /// The usage ledger file: <c>$XDG_DATA_HOME/engram/usage.db</c>, falling back to <c>~/.local/share/engram/usage.db</c>.
    /// </summary>
    public static string UsageLedgerPath() => Path.Combine(DataHome(), "engram", "usage.db");

    /// <summary>Engram's data folder: <c>$XDG_DATA_HOME/engram</c>, falling back to <c>~/.local/share/engram</c>.</summary>
    public static string DataDirectory() => Path.Combine(DataHome(), "engram");

    /// <summary>
    /// Engram's own models folder, where <c>engram models pull</c> saves files: <c>$XDG_DATA_HOME/engram/models</c>,
    /// falling back to <c>~/.local/share/engram/models</c>.
    /// </summary>
    public static string ModelsDirectory() => Path.Combine(DataDirectory(), "models");

    /// <summary>
    /// <paramref name="config"/> with the GGUF files of <see cref="ModelsDirectory"/>, <paramref name="extraFolders"/>
    /// and the Hugging Face, LM Studio and Ollama caches added as discovered models (see
    /// <see cref="DiscoveredModels.AddTo"/>); <paramref name="config"/> unchanged when its <c>discovery</c> is false.
    /// Reads only file headers.
    /// </summary>
    public static EngramConfig Discover(EngramConfig config, IReadOnlyList<string>? extraFolders = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.Discovery)
        {
            return config;
        }

        var found = ModelDiscovery.Find(new DiscoveryOptions { Folders = [ModelsDirectory(), .. extraFolders ?? []] });
        return DiscoveredModels.AddTo(config, found);
    }

    /// <summary>The provider client of one model: <see cref="ProviderFactory"/> with in-process GGUF models.</summary>
    public static IChatClient CreateClient(ModelDefinition model) =>
        ProviderFactory.Create(model, new ProviderFactoryOptions { LocalGguf = m => new LocalGgufChatClient(m) });

    /// <inheritdoc />
    public void Dispose()
    {
        Registry.Dispose();
        if (_ledger.IsValueCreated && _ledger.Value is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    private static string DataHome()
    {
        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return string.IsNullOrWhiteSpace(dataHome)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : dataHome;
    }
}
