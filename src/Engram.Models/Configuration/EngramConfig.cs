namespace Engram.Models.Configuration;

/// <summary>
/// The validated contents of one or more <c>engram.json</c> files: models, per-task routes and budgets.
/// Produced by <see cref="EngramConfigLoader"/>.
/// </summary>
/// <remarks>
/// Invariants once loaded: model names are unique (ordinal); every name a route mentions is a model in
/// <see cref="Models"/>; costs and caps are non-negative. Immutable, so a running server can keep the last good
/// instance while a new file fails to load.
/// </remarks>
public sealed record EngramConfig
{
    /// <summary>A configuration with no models, routes or caps.</summary>
    public static EngramConfig Empty { get; } = new();

    /// <summary>Models in file order (user-level models first, then workspace-only ones).</summary>
    public IReadOnlyList<ModelDefinition> Models { get; init; } = [];

    /// <summary>Routes by task; a task without an entry uses <see cref="RouteDefinition.DefaultCapabilities"/> and no preferences.</summary>
    public IReadOnlyDictionary<ModelTask, RouteDefinition> Routes { get; init; } = new Dictionary<ModelTask, RouteDefinition>();

    /// <summary>Spending caps.</summary>
    public BudgetDefinition Budgets { get; init; } = new();

    /// <summary>The files this configuration was read from, lowest precedence first.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>
    /// Folders the user trusts (<c>trustedFolders</c> of the user file only; absolute paths as written): a workspace
    /// inside one may configure models, endpoints, keys and budgets freely. See <see cref="WorkspaceTrust"/>.
    /// </summary>
    public IReadOnlyList<string> TrustedFolders { get; init; } = [];

    /// <summary>
    /// How far the workspace file was honoured (trusted or not, and what was ignored), or null when no workspace file
    /// was layered (no workspace path given).
    /// </summary>
    public WorkspaceTrustState? Workspace { get; init; }

    /// <summary>
    /// Whether local models are discovered and routed when <c>engram.json</c> does not serve a task, and local servers
    /// (Ollama, LM Studio) probed on loopback (<c>discovery</c>, default true). A workspace file may turn it off, never on.
    /// </summary>
    public bool Discovery { get; init; } = true;

    /// <summary>
    /// The model named <paramref name="name"/> (ordinal), else the local model whose <see cref="ModelDefinition.Path"/>
    /// is <paramref name="name"/> as a full path (so a GGUF file can be named by its path), or null.
    /// </summary>
    public ModelDefinition? FindModel(string name)
    {
        foreach (var model in Models)
        {
            if (string.Equals(model.Name, name, StringComparison.Ordinal))
            {
                return model;
            }
        }

        if (!System.IO.Path.IsPathRooted(name))
        {
            return null;
        }

        var full = System.IO.Path.GetFullPath(name);
        foreach (var model in Models)
        {
            if (model.Provider == ModelProvider.LocalGguf && model.Path is { } path && string.Equals(System.IO.Path.GetFullPath(path), full, StringComparison.Ordinal))
            {
                return model;
            }
        }

        return null;
    }

    /// <summary>The route configured for <paramref name="task"/>, or one with the task's default capabilities.</summary>
    public RouteDefinition GetRoute(ModelTask task) =>
        Routes.TryGetValue(task, out var route) ? route : new RouteDefinition { Capabilities = RouteDefinition.DefaultCapabilities(task) };
}
