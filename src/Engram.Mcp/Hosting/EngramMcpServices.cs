using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Engram.Features.Dialogue;
using Engram.Features.Docs;
using Engram.Features.Explain;
using Engram.Features.Hosting;
using Engram.Features.Research;
using Engram.Features.Review;
using Engram.Mcp.Security;
using Engram.Models.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Hosting;

/// <summary>
/// What the MCP tools, resources and prompts share: the workspace memory, the models (optional), the path guard and
/// the feature services. One instance per server process (all HTTP sessions share it).
/// </summary>
/// <remarks>
/// Thread-safe. Feature services whose construction may fail (a stub not yet implemented, an unreadable dialogue
/// database) are created on first use, so a failure becomes the error of the tool that needs it and nothing else.
/// </remarks>
public sealed class EngramMcpServices : IAsyncDisposable
{
    private readonly Func<ModelTask, IChatClient?> _chatClients;
    private readonly EngramModels? _staticModels;
    private readonly ReloadingEngramModels? _reloading;
    private readonly Lock _dialogueLock = new();
    private readonly ConditionalWeakTable<McpServer, object> _sessions = new();
    private DialogueService? _dialogue;
    private readonly Lazy<ExplainService> _explain;
    private readonly ConcurrentDictionary<string, Task> _clientRoots = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly bool _ownsWorkspace;
    private int _defaultRootReplaced;
    private int _startupIndex;
    private Task _backgroundIndex = Task.CompletedTask;

    /// <summary>Creates the services.</summary>
    /// <param name="workspace">The engram memory of the roots.</param>
    /// <param name="models">Configured models, router and ledger, or null when the configuration could not be loaded.</param>
    /// <param name="options">Host settings.</param>
    /// <param name="loggerFactory">Where logs go (stderr), or null.</param>
    /// <param name="chatClients">Chat client per task (tests), or null to route through <paramref name="models"/>.</param>
    /// <param name="ownsWorkspace">True to dispose <paramref name="workspace"/> with this object.</param>
    public EngramMcpServices(
        EngramWorkspace workspace,
        EngramModels? models,
        EngramMcpOptions options,
        ILoggerFactory? loggerFactory = null,
        Func<ModelTask, IChatClient?>? chatClients = null,
        bool ownsWorkspace = false)
    {
        Workspace = workspace;
        _staticModels = models;
        Options = options;
        _ownsWorkspace = ownsWorkspace;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("engram.mcp");
        _chatClients = chatClients ?? (task => Models?.TryGetChatClient(task));
        Guard = new PathGuard(() => Workspace.Roots);
        Research = new ResearchService(workspace);
        Modes = new ModeCatalog(options.ModesDirectories.Count > 0 ? options.ModesDirectories : ModeCatalog.DefaultDirectories(options.Roots));
        _explain = new Lazy<ExplainService>(() => new ExplainService(workspace));
    }

    /// <summary>
    /// Creates the services over a configuration that follows edits of <c>engram.json</c>: tools use the latest valid
    /// generation on their next call; reloads and invalid edits are logged (stderr) and sent to the sessions as
    /// <c>notifications/message</c>. The services own <paramref name="models"/> and dispose it.
    /// </summary>
    /// <param name="workspace">The engram memory of the roots.</param>
    /// <param name="models">The reloading configuration (e.g. <see cref="ReloadingEngramModels.Start"/>).</param>
    /// <param name="options">Host settings.</param>
    /// <param name="loggerFactory">Where logs go (stderr), or null.</param>
    /// <param name="ownsWorkspace">True to dispose <paramref name="workspace"/> with this object.</param>
    public EngramMcpServices(
        EngramWorkspace workspace,
        ReloadingEngramModels models,
        EngramMcpOptions options,
        ILoggerFactory? loggerFactory = null,
        bool ownsWorkspace = false)
        : this(workspace, (EngramModels?)null, options, loggerFactory, null, ownsWorkspace)
    {
        ArgumentNullException.ThrowIfNull(models);
        _reloading = models;
        if (models.LastError is { } error)
        {
            _logger.LogError("Model configuration not loaded: {Message}", error.Message);
        }

        models.Reloaded += OnModelsReloaded;
        models.ReloadFailed += OnModelsReloadFailed;
    }
    /// <summary>The engram memory.</summary>
    public EngramWorkspace Workspace { get; }

    /// <summary>
    /// The models in force (with a reloading configuration, the latest valid generation: read it per call), or null
    /// when the configuration could not be loaded.
    /// </summary>
    public EngramModels? Models => _reloading?.Current ?? _staticModels;

    /// <summary>
    /// The error of the latest configuration load when it failed (<c>FILE:LINE:COLUMN: JSONPATH: PROBLEM</c>; the
    /// previous configuration stays in force), else null. Always null for fixed (non-reloading) models.
    /// </summary>
    public string? ConfigError => _reloading?.LastError?.Message;

    /// <summary>Host settings.</summary>
    public EngramMcpOptions Options { get; }

    /// <summary>Resolves path arguments inside the roots.</summary>
    public PathGuard Guard { get; }

    /// <summary>Research over the workspace.</summary>
    public ResearchService Research { get; }

    /// <summary>Review of changes.</summary>
    public ReviewService Review { get; } = new();

    /// <summary>Documentation comments.</summary>
    public DocCommentGenerator Docs { get; } = new();

    /// <summary>The dialogue modes.</summary>
    public ModeCatalog Modes { get; }

    /// <summary>The dialogue engine over <see cref="Models"/> (created on first use, and again after a configuration reload).</summary>
    /// <exception cref="ModelUnavailableException">No model configuration could be loaded.</exception>
    public DialogueService Dialogues => DialoguesFor(Models);

    /// <summary>
    /// Pins the configuration generation in force until the lease is disposed (long tool calls such as dialogues), or
    /// null when the models do not reload.
    /// </summary>
    public ReloadingEngramModels.Lease? AcquireModels() => _reloading?.Acquire();

    /// <summary>The dialogue engine over <paramref name="models"/> (the one of <see cref="Models"/> when it is the same generation).</summary>
    /// <exception cref="ModelUnavailableException"><paramref name="models"/> is null.</exception>
    public DialogueService DialoguesFor(EngramModels? models)
    {
        if (models is null)
        {
            throw new ModelUnavailableException(ModelTask.Dialogue);
        }

        lock (_dialogueLock)
        {
            if (_dialogue is { } existing && ReferenceEquals(existing.Models, models))
            {
                return existing;
            }

            var service = new DialogueService(models, Modes.Directories, Options.DialogueDatabasePath ?? DialogueService.DefaultDatabasePath(), Workspace);
            if (ReferenceEquals(models, Models))
            {
                _dialogue = service;
            }

            return service;
        }
    }

    /// <summary>
    /// Remembers <paramref name="server"/> as a session that receives reload notices (weakly: ended sessions are
    /// forgotten); the first session also receives the workspace-trust warning when there is one.
    /// </summary>
    public void TrackSession(McpServer server)
    {
        _sessions.AddOrUpdate(server, this);
        ReportWorkspaceTrust();
    }

    /// <summary>Code explanations (created on first use).</summary>
    public ExplainService Explain => _explain.Value;

    /// <summary>The background index update started last (completed when none runs).</summary>
    public Task BackgroundIndex => _backgroundIndex;

    /// <summary>The routed chat client for <paramref name="task"/>, or null when no model can serve it.</summary>
    public IChatClient? TryGetChatClient(ModelTask task) => _chatClients(task);

    /// <summary>The routed chat client for <paramref name="task"/>.</summary>
    /// <exception cref="ModelUnavailableException">No configured model can serve it (the message says how to configure one).</exception>
    public IChatClient GetChatClient(ModelTask task) => _chatClients(task) ?? throw new ModelUnavailableException(task);

    /// <summary>Starts an incremental index update in the background (errors are logged, never thrown).</summary>
    public Task StartBackgroundIndex()
    {
        Volatile.Write(ref _startupIndex, 1);
        return StartIndexCore();
    }

#pragma warning disable MCP9005 // Roots: deprecated by 2026-07-28 (SEP-2577), still how 2025-11-25 clients name folders.
    /// <summary>
    /// Asks the client of <paramref name="server"/> for its roots once per session (when it declares the roots
    /// capability and <see cref="EngramMcpOptions.AcceptClientRoots"/>), adds the <c>file:</c> ones that exist to the
    /// workspace and starts indexing them; then starts the first background index update if none ran yet. Failures
    /// are logged; the command-line roots stay.
    /// </summary>
    public async Task EnsureClientRootsAsync(McpServer server, CancellationToken cancellationToken)
    {
        TrackSession(server);
        if (Options.AcceptClientRoots && server.ClientCapabilities?.Roots is not null)
        {
            // The fetch is shared by the session's requests, so it must not die with the one that started it.
            await _clientRoots.GetOrAdd(server.SessionId ?? "", _ => FetchClientRootsAsync(server)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        StartupIndexOnce();
    }
#pragma warning restore MCP9005

    /// <summary>
    /// Called when a stdio session is initialized: fetches the client's roots (when it has them) and then, with
    /// <see cref="EngramMcpOptions.IndexOnStart"/>, starts the first background index update unless fetching the roots
    /// already did. Deferring the first update to this point keeps a server started in an arbitrary folder (no
    /// <c>--root</c>) from indexing that folder when the client's roots replace it.
    /// </summary>
    public Task OnSessionInitializedAsync(McpServer server) => EnsureClientRootsAsync(server, CancellationToken.None);

    /// <summary>Starts the first background index update (with <see cref="EngramMcpOptions.IndexOnStart"/>) unless one already ran.</summary>
    public void StartupIndexOnce()
    {
        if (Options.IndexOnStart && Interlocked.CompareExchange(ref _startupIndex, 1, 0) == 0)
        {
            _ = StartIndexCore();
        }
    }

    /// <summary>Forgets the roots fetched for every session so the next request asks again (<c>notifications/roots/list_changed</c>).</summary>
    public void InvalidateClientRoots() => _clientRoots.Clear();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_reloading is { } reloading)
        {
            reloading.Reloaded -= OnModelsReloaded;
            reloading.ReloadFailed -= OnModelsReloadFailed;
            reloading.Dispose();
        }

        _staticModels?.Dispose();
        if (_ownsWorkspace)
        {
            await Workspace.DisposeAsync().ConfigureAwait(false);
        }
    }

#pragma warning disable MCP9005 // Logging: deprecated by 2026-07-28 (SEP-2577), still how 2025-11-25 clients show server messages.
    private void OnModelsReloaded(EngramModels models)
    {
        var message = models.Config.Models.Count == 0
            ? "Model configuration reloaded; no models configured."
            : $"Model configuration reloaded; {models.Config.Models.Count} model(s): {string.Join(", ", models.Config.Models.Select(m => m.Name))}.";
        _logger.LogInformation("{Message}", message);
        Broadcast(LoggingLevel.Info, message);
        ReportWorkspaceTrust();
    }

    // Once per process, to the sessions connected then (and stderr): what an untrusted workspace file asked for and
    // was ignored, with the command that trusts it. Waits for a first session so that someone sees it.
    private void ReportWorkspaceTrust()
    {
        if (_reloading is null || !_sessions.Any() || _reloading.TakeTrustNotice() is not { Notice: { } notice })
        {
            return;
        }

        _logger.LogWarning("{Message}", notice);
        Broadcast(LoggingLevel.Warning, notice);
    }

    private void OnModelsReloadFailed(ConfigException error)
    {
        _logger.LogWarning("Model configuration not reloaded (the previous one stays in force): {Message}", error.Message);
        Broadcast(LoggingLevel.Warning, $"Model configuration not reloaded (the previous one stays in force): {error.Message}");
    }

    // notifications/message to every live session whose client did not ask for a higher level (logging/setLevel).
    private void Broadcast(LoggingLevel level, string message)
    {
        foreach (var (server, _) in _sessions)
        {
            if (server.LoggingLevel is { } minimum && level < minimum)
            {
                continue;
            }

            try
            {
                _ = server.SendNotificationAsync(NotificationMethods.LoggingMessageNotification, new LoggingMessageNotificationParams
                {
                    Level = level,
                    Logger = "engram",
                    Data = JsonSerializer.SerializeToElement(message),
                }).ContinueWith(t => _logger.LogDebug("Log notification not sent: {Message}", t.Exception?.GetBaseException().Message),
                    CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or IOException)
            {
                _logger.LogDebug("Log notification not sent: {Message}", ex.Message);
            }
        }
    }

#pragma warning restore MCP9005

    private Task StartIndexCore()
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await Workspace.UpdateIndexAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning("Background index update failed: {Message}", ex.Message);
            }
        });
        _backgroundIndex = task;
        return task;
    }

#pragma warning disable MCP9005
    private async Task FetchClientRootsAsync(McpServer server)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var result = await server.RequestRootsAsync(new ListRootsRequestParams(), timeout.Token).ConfigureAwait(false);
            var folders = new List<string>();
            foreach (var root in result.Roots)
            {
                if (Uri.TryCreate(root.Uri, UriKind.Absolute, out var uri) && uri.IsFile && Directory.Exists(uri.LocalPath))
                {
                    folders.Add(Path.GetFullPath(uri.LocalPath).TrimEnd(Path.DirectorySeparatorChar));
                }
                else
                {
                    _logger.LogWarning("Client root {Uri} is not an existing local folder; ignored.", root.Uri);
                }
            }

            if (folders.Count == 0)
            {
                return;
            }

            // The default root (the folder the client started us in) gives way to the client's own roots.
            if (!Options.RootsGiven && Interlocked.Exchange(ref _defaultRootReplaced, 1) == 0)
            {
                foreach (var old in Options.Roots.Where(r => !folders.Contains(r)))
                {
                    Workspace.RemoveRoot(old);
                }
            }

            var added = folders.Where(f => !Workspace.Roots.Contains(f)).ToList();
            foreach (var folder in added)
            {
                Workspace.AddRoot(folder);
            }

            _logger.LogInformation("Client roots: {Roots}", string.Join(", ", folders));
            if (added.Count > 0 && Options.IndexOnStart)
            {
                _ = StartBackgroundIndex();
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning("roots/list failed: {Message}", ex.Message);
        }
    }
#pragma warning restore MCP9005
}
