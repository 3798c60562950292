using System.Globalization;
using System.Security.Cryptography;
using Engram.Features.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engram.Features.Dialogue;

/// <summary>How a dialogue ended (or that it has not).</summary>
public enum DialogueStatus
{
    /// <summary>Turns remain; <see cref="DialogueService.ResumeAsync"/> continues it.</summary>
    Running,
    /// <summary>Every turn ran.</summary>
    Completed,
    /// <summary>Successive positions became similar enough to stop early.</summary>
    Converged,
    /// <summary>The dialogue's cost limit was reached; no turn overspent it.</summary>
    CostLimited,
    /// <summary>A turn failed with every participant and fallback.</summary>
    Failed,
}

/// <summary>Options of a dialogue run.</summary>
/// <param name="Models">Model names to use as participants (in turn order), or null for capability routing.</param>
/// <param name="MaxCost">Cost limit in USD for the whole dialogue, or null for the configured budgets only.</param>
public sealed record DialogueOptions(IReadOnlyList<string>? Models = null, decimal? MaxCost = null);

/// <summary>Summary of a stored dialogue.</summary>
/// <param name="Id">Dialogue id (a ULID-like sortable string).</param>
/// <param name="Mode">Mode name.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Status">Current status.</param>
/// <param name="Turns">Completed turns.</param>
/// <param name="Cost">Cost so far in USD.</param>
/// <param name="Created">When it started (UTC).</param>
public sealed record DialogueSummary(string Id, string Mode, string Topic, DialogueStatus Status, int Turns, decimal Cost, DateTimeOffset Created);

/// <summary>
/// Runs declarative multi-model dialogues (<c>modes/*.json</c>) through the router, persisting each completed turn to
/// SQLite so a dialogue can be resumed after a crash. Used by <c>engram dialogue</c>, the LSP and the MCP tools.
/// </summary>
/// <remarks>
/// <para>Turns run in the mode's structure (parallel groups concurrently); each completed turn is committed before any
/// later turn starts, and a resume replays committed turns from the database and runs only the rest.</para>
/// <para>Participants: a named model (or the <see cref="DialogueOptions.Models"/> list) is called directly through a
/// budget decorator; when it fails the router's <c>dialogue</c> pipeline (with its fallbacks) answers and the
/// substitution is recorded on the turn. Capability participants pick the best configured model having the capabilities.</para>
/// <para>Budget: before a turn runs, its maximum cost (input estimate + its <c>max_tokens</c> at the candidate models'
/// prices) is reserved against the dialogue's limit; when it does not fit the dialogue stops as
/// <see cref="DialogueStatus.CostLimited"/>. Thread-safe: several dialogues may run at once.</para>
/// </remarks>
public sealed class DialogueService
{
    private readonly IReadOnlyList<string> _modesDirectories;
    private Lazy<ModeCatalog> _catalog;
    private readonly Lazy<DialogueStore> _store;

    /// <summary>Creates the service.</summary>
    /// <param name="models">Configuration, router and ledger.</param>
    /// <param name="modesDirectories">Folders searched for <c>*.json</c> modes, later ones overriding earlier ones by name.</param>
    /// <param name="databasePath">The dialogue database (created when missing).</param>
    /// <param name="workspace">The engram memory for turns that request workspace context, or null.</param>
    public DialogueService(EngramModels models, IReadOnlyList<string> modesDirectories, string databasePath, EngramWorkspace? workspace)
        : this(models, modesDirectories, databasePath, workspace, null)
    {
    }

    /// <summary>Creates the service with a logger (one scope per dialogue whose <c>CorrelationId</c> is the dialogue id).</summary>
    /// <param name="models">Configuration, router and ledger.</param>
    /// <param name="modesDirectories">Folders searched for <c>*.json</c> modes, later ones overriding earlier ones by name.</param>
    /// <param name="databasePath">The dialogue database (created when missing).</param>
    /// <param name="workspace">The engram memory for turns that request workspace context, or null.</param>
    /// <param name="logger">Receives one line per turn (never prompt text), or null.</param>
    public DialogueService(EngramModels models, IReadOnlyList<string> modesDirectories, string databasePath, EngramWorkspace? workspace, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(modesDirectories);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        Models = models;
        _modesDirectories = modesDirectories;
        Workspace = workspace;
        Logger = logger ?? NullLogger.Instance;
        DatabasePath = databasePath;
        _catalog = new Lazy<ModeCatalog>(LoadCatalog, LazyThreadSafetyMode.ExecutionAndPublication);
        _store = new Lazy<DialogueStore>(() => new DialogueStore(databasePath), LazyThreadSafetyMode.ExecutionAndPublication);
        Similarity = workspace?.Embedder is { } embedder
            ? TextSimilarity.Embedding(embedder)
            : (a, b, _) => Task.FromResult(TextSimilarity.Lexical(a, b));
    }

    /// <summary>The models the dialogues run on.</summary>
    public EngramModels Models { get; }

    /// <summary>The workspace used for retrieval, or null.</summary>
    public EngramWorkspace? Workspace { get; }

    /// <summary>The dialogue database file.</summary>
    public string DatabasePath { get; }

    /// <summary>
    /// Similarity in [0,1] of two successive positions, for convergence. Default: the cosine of the workspace
    /// embedder's embeddings when a workspace with an embedder was given, else <see cref="TextSimilarity.Lexical"/>.
    /// </summary>
    public Func<string, string, CancellationToken, Task<double>> Similarity { get; set; }

    /// <summary>Output tokens of a turn whose mode sets no <c>max_tokens</c>. Default 1024.</summary>
    public int DefaultMaxOutputTokens { get; set; } = 1024;

    /// <summary>Token budget (characters / 4) of a turn's <c>{context}</c> when the mode sets none. Default 4000.</summary>
    public int DefaultContextTokens { get; set; } = 4000;

    /// <summary>Most sub-topics one spawning turn opens sub-dialogues for. Default 3.</summary>
    public int MaxSubtopics { get; set; } = 3;

    /// <summary>Called after each turn is committed with (dialogue id, seq); for tests and hosts that stream progress.</summary>
    public Action<string, int>? TurnCommitted { get; set; }

    internal ILogger Logger { get; }

    internal DialogueStore Store => _store.Value;

    /// <summary>
    /// The loaded modes (and the errors of invalid mode files); a mode of an untrusted workspace that names a model the
    /// configuration does not define is among the errors (see <see cref="ModeTrust"/>).
    /// </summary>
    public ModeCatalog Catalog => Volatile.Read(ref _catalog).Value;

    /// <summary>Forgets the loaded modes so the next use re-reads the mode folders (long-running hosts call it when files change).</summary>
    public void ReloadModes() =>
        Volatile.Write(ref _catalog, new Lazy<ModeCatalog>(LoadCatalog, LazyThreadSafetyMode.ExecutionAndPublication));

    // Modes of untrusted workspaces (the configuration's and the engram workspace's roots) may name only configured models.
    private ModeCatalog LoadCatalog() =>
        new(_modesDirectories, ModeTrust.For(Models.Config, [Models.WorkspaceRoot, .. Workspace?.Roots ?? []]));

    /// <summary>Names and descriptions of the available modes, sorted by name.</summary>
    public IReadOnlyList<(string Name, string Description)> ListModes() => Catalog.Modes.Select(m => (m.Name, m.Description)).ToList();

    /// <summary>Starts and runs a dialogue to its end; returns its summary.</summary>
    /// <exception cref="ArgumentException">Unknown mode (the message lists the known ones) or empty topic.</exception>
    /// <exception cref="ModeException">The mode file is invalid.</exception>
    public async Task<DialogueSummary> RunAsync(string mode, string topic, DialogueOptions? options = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var id = Start(mode, topic, options);
        return await ResumeAsync(id, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates (and commits) a dialogue without running any turn; <see cref="ResumeAsync"/> runs it.</summary>
    /// <returns>The new dialogue's id.</returns>
    /// <exception cref="ArgumentException">Unknown mode, unknown model in <see cref="DialogueOptions.Models"/>, negative cost or empty topic.</exception>
    /// <exception cref="ModeException">The mode file is invalid.</exception>
    public string Start(string mode, string topic, DialogueOptions? options = null) => Start(mode, topic, options, null, 0, null);

    internal string Start(string mode, string topic, DialogueOptions? options, string? parentId, int depth, string? fixedId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mode);
        if (string.IsNullOrWhiteSpace(topic))
        {
            throw new ArgumentException("The topic is empty.", nameof(topic));
        }

        if (options?.MaxCost is < 0)
        {
            throw new ArgumentException("The cost limit must be ≥ 0.", nameof(options));
        }

        foreach (var name in options?.Models ?? [])
        {
            if (!Models.Config.Models.Any(m => m.Name == name))
            {
                throw new ArgumentException($"Unknown model '{name}'. Configured models: {string.Join(", ", Models.Config.Models.Select(m => m.Name))}.", nameof(options));
            }
        }

        var definition = Catalog.Get(mode);
        var id = fixedId ?? NewId();
        var maxCost = options?.MaxCost ?? definition.MaxCostUsd;
        Store.CreateDialogue(new StoredDialogue(
            id, parentId, definition.Name, definition.Json, topic.Trim(), DialogueStatus.Running, maxCost,
            options?.Models is { Count: > 0 } list ? string.Join(",", list) : null, depth, DateTimeOffset.UtcNow, null));
        return id;
    }

    /// <summary>Continues a dialogue from its last completed turn.</summary>
    /// <remarks>A dialogue that already ended (completed, converged, cost-limited) is returned unchanged; a failed one is retried from its last completed turn.</remarks>
    /// <exception cref="KeyNotFoundException">No dialogue has that id.</exception>
    /// <exception cref="InvalidOperationException">The dialogue is being run now by another process or request.</exception>
    public async Task<DialogueSummary> ResumeAsync(string id, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var stored = Store.GetDialogue(id) ?? throw new KeyNotFoundException($"No dialogue has id '{id}'.");
        if (stored.Status is DialogueStatus.Running or DialogueStatus.Failed)
        {
            // One runner per dialogue: a second resume (another process, or a concurrent request) is refused. After
            // the claim, read again: the previous runner may have committed more turns or ended it meanwhile.
            using var claim = DialogueRunLock.Acquire(DatabasePath, id);
            stored = Store.GetDialogue(id)!;
            if (stored.Status is DialogueStatus.Running or DialogueStatus.Failed)
            {
                using (Logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id, ["DialogueId"] = id }))
                {
                    var run = new DialogueRun(this, stored, progress);
                    var (status, error) = await run.RunAsync(cancellationToken).ConfigureAwait(false);
                    Store.SetStatus(id, status, error);
                    Logger.LogInformation("Dialogue {DialogueId} ({Mode}) ended {Status}: {Turns} turns, {Cost} USD", id, stored.Mode, status, run.TurnCount, run.Spent);
                }
            }
        }

        return Summary(Store.GetDialogue(id)!);
    }

    /// <summary>The summary of one dialogue.</summary>
    /// <exception cref="KeyNotFoundException">No dialogue has that id.</exception>
    public DialogueSummary Get(string id) => Summary(Store.GetDialogue(id) ?? throw new KeyNotFoundException($"No dialogue has id '{id}'."));

    /// <summary>The committed turns of a dialogue, in execution order.</summary>
    /// <exception cref="KeyNotFoundException">No dialogue has that id.</exception>
    public IReadOnlyList<StoredTurn> GetTurns(string id) =>
        Store.GetDialogue(id) is null ? throw new KeyNotFoundException($"No dialogue has id '{id}'.") : Store.GetTurns(id);

    /// <summary>Stored dialogues, newest first (sub-dialogues are not listed; they appear in their parent's transcript).</summary>
    public IReadOnlyList<DialogueSummary> List() => Store.ListDialogues(includeChildren: false).Select(Summary).ToList();

    /// <summary>The transcript of a dialogue as <c>markdown</c> or <c>json</c>.</summary>
    /// <exception cref="KeyNotFoundException">No dialogue has that id.</exception>
    /// <exception cref="ArgumentException">Unknown format.</exception>
    public string Export(string id, string format)
    {
        var kind = format?.Trim().ToLowerInvariant() switch
        {
            "markdown" or "md" => 0,
            "json" => 1,
            _ => throw new ArgumentException($"Unknown format '{format}'; expected markdown or json.", nameof(format)),
        };
        _ = Store.GetDialogue(id) ?? throw new KeyNotFoundException($"No dialogue has id '{id}'.");
        return kind == 0 ? Transcript.Markdown(Store, id) : Transcript.Json(Store, id);
    }

    /// <summary>The default dialogue database: <c>$XDG_DATA_HOME/engram/dialogues.db</c>.</summary>
    public static string DefaultDatabasePath() => Path.Combine(EngramModels.DataDirectory(), "dialogues.db");

    /// <summary>The <c>modes/</c> folder shipped next to the executable (<c>AppContext.BaseDirectory/modes</c>).</summary>
    public static string ShippedModesDirectory() => Path.Combine(AppContext.BaseDirectory, "modes");

    /// <summary>The standard mode folders of <paramref name="workspaceRoot"/> with the shipped folder of this executable; see <see cref="DefaultModeDirectories(string, string?)"/>.</summary>
    public static IReadOnlyList<string> DefaultModeDirectories(string? workspaceRoot) => DefaultModeDirectories(ShippedModesDirectory(), workspaceRoot);

    /// <summary>
    /// The standard mode folders, lowest precedence first: <paramref name="shipped"/> (the <c>modes/</c> folder next to
    /// the executable), <c>$XDG_CONFIG_HOME/engram/modes</c> (else <c>~/.config/engram/modes</c>) and
    /// <c>WORKSPACE/.engram/modes</c>.
    /// </summary>
    public static IReadOnlyList<string> DefaultModeDirectories(string shipped, string? workspaceRoot)
    {
        var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var userConfig = string.IsNullOrWhiteSpace(config)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config")
            : config;
        var list = new List<string> { shipped, Path.Combine(userConfig, "engram", "modes") };
        if (workspaceRoot is not null)
        {
            list.Add(Path.Combine(workspaceRoot, ".engram", "modes"));
        }

        return list;
    }

    internal DialogueSummary Summary(StoredDialogue d)
    {
        var turns = Store.GetTurns(d.Id);
        return new DialogueSummary(d.Id, d.Mode, d.Topic, d.Status, turns.Count, turns.Sum(t => t.Cost), d.Created);
    }

    /// <summary>A new sortable id: 10 Crockford base-32 characters of milliseconds since the epoch, then 16 random ones.</summary>
    internal static string NewId()
    {
        const string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        Span<char> chars = stackalloc char[26];
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = alphabet[(int)(ms % 32)];
            ms /= 32;
        }

        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        for (var i = 0; i < 16; i++)
        {
            chars[10 + i] = alphabet[random[i] % 32];
        }

        return new string(chars);
    }

    internal static string Money(decimal usd) => usd.ToString("0.######", CultureInfo.InvariantCulture);
}
