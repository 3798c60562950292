using System.Collections.Concurrent;
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
    private readonly Lazy<DialogueService> _dialogues;
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
        Models = models;
        Options = options;
        _ownsWorkspace = ownsWorkspace;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("engram.mcp");
        _chatClients = chatClients ?? (task => models?.TryGetChatClient(task));
        Guard = new PathGuard(() => Workspace.Roots);
        Research = new ResearchService(workspace);
        Modes = new ModeCatalog(options.ModesDirectories.Count > 0 ? options.ModesDirectories : ModeCatalog.DefaultDirectories(options.Roots));
        _dialogues = new Lazy<DialogueService>(() => models is null
            ? throw new ModelUnavailableException(ModelTask.Dialogue)
            : new DialogueService(models, Modes.Directories, options.DialogueDatabasePath ?? DialogueService.DefaultDatabasePath(), workspace));
        _explain = new Lazy<ExplainService>(() => new ExplainService(workspace));
    }

    /// <summary>The engram memory.</summary>
    public EngramWorkspace Workspace { get; }

    /// <summary>The models, or null when the configuration could not be loaded.</summary>
    public EngramModels? Models { get; }

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

    /// <summary>The dialogue engine (created on first use).</summary>
    /// <exception cref="ModelUnavailableException">No model configuration could be loaded.</exception>
    public DialogueService Dialogues => _dialogues.Value;

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

    /// <summary>
    /// Asks the client of <paramref name="server"/> for its roots once per session (when it declares the roots
    /// capability and <see cref="EngramMcpOptions.AcceptClientRoots"/>), adds the <c>file:</c> ones that exist to the
    /// workspace and starts indexing them. Failures are logged; the command-line roots stay.
    /// </summary>
    // Roots are deprecated by the 2026-07-28 revision (SEP-2577) but still how clients on 2025-11-25 and earlier
    // name their workspace folders.
#pragma warning disable MCP9005
    public async Task EnsureClientRootsAsync(McpServer server, CancellationToken cancellationToken)
    {
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
        Models?.Dispose();
        if (_ownsWorkspace)
        {
            await Workspace.DisposeAsync().ConfigureAwait(false);
        }
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
