using System.Text.Json;
using Engram.Features.Completion;
using Engram.Features.Hosting;
using Engram.LanguageServer.Documents;
using Engram.LanguageServer.Framing;
using Engram.LanguageServer.Protocol;
using Engram.Models.Configuration;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace Engram.LanguageServer.Server;

/// <summary>
/// The LSP method handlers (StreamJsonRpc target) and the state they share: lifecycle, open documents, settings, the
/// engram workspace, the models and the feature services.
/// </summary>
/// <remarks>
/// Scheduling invariants (the request queue):
/// <list type="bullet">
/// <item>StreamJsonRpc dispatches on a <c>NonConcurrentSynchronizationContext</c>: handlers start in the order the
/// messages arrived and their synchronous parts never overlap.</item>
/// <item>Mutating notifications (didOpen, didChange, didClose, configuration and folder changes) are synchronous, so
/// document changes apply serially and in order.</item>
/// <item>Read requests take the immutable <see cref="DocumentStore.Snapshot"/> synchronously (so they see every change
/// that arrived before them), then continue on the thread pool: reads run concurrently and never block the loop.</item>
/// <item>Nothing on the dispatch path awaits a model, the index or the client: model calls, indexing, training and
/// server-to-client requests run in background tasks. A newer completion/inline request for a document cancels the
/// older one (answered ContentModified, -32801).</item>
/// </list>
/// </remarks>
internal sealed partial class EngramLanguageServer : IAsyncDisposable
{
    private readonly LspServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly DocumentStore _documents = new();
    private readonly SupersedeGate _supersede = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ServerState _state = ServerState.Uninitialized;
    private volatile EngramSettings _settings = EngramSettings.Default;
    private volatile WordCompletionModel? _completionModel;
    private volatile string? _configError;
    private EngramModels? _staticModels;
    private ReloadingEngramModels? _reloading;
    private volatile bool _initializeQueued;
    private bool _clientTrust;
    private bool _clientReportsTrust;

    public EngramLanguageServer(LspServerOptions options, ILoggerFactory loggerFactory, ClientChannel client)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("engram.lsp");
        Client = client;
        try
        {
            _completionModel = new WordCompletionModel();
        }
        catch (NotImplementedException)
        {
            _completionModel = null;
        }
    }

    public ClientChannel Client { get; }

    public ServerState State => _state;

    public PositionEncodingKind Encoding { get; private set; } = PositionEncodingKind.Utf16;

    public EngramSettings Settings => _settings;

    public EngramWorkspace? Workspace { get; private set; }

    /// <summary>The model configuration in force (the latest valid generation when it reloads), or null when it could not be created.</summary>
    public EngramModels? Models => _reloading?.Current ?? _staticModels;

    /// <summary>Completes with the process exit code when <c>exit</c> arrives: 0 after <c>shutdown</c>, 1 otherwise.</summary>
    public Task<int> Exited => _exit.Task;

    /// <summary>Cancelled by <c>shutdown</c>/<c>exit</c>: every background task observes it.</summary>
    public CancellationToken Lifetime => _shutdown.Token;

    /// <summary>The lifecycle gate the <see cref="MessagePump"/> consults for each incoming message.</summary>
    public MessageVerdict Gate(string method, bool isRequest)
    {
        if (method == "exit")
        {
            return MessageVerdict.Accept;
        }

        if (_state == ServerState.Uninitialized && method == "initialize" && isRequest)
        {
            // Messages pipelined behind initialize are dispatched after it (in-order dispatch), so they are accepted.
            _initializeQueued = true;
            return MessageVerdict.Accept;
        }

        return _state switch
        {
            ServerState.Uninitialized when _initializeQueued => MessageVerdict.Accept,
            ServerState.Uninitialized when isRequest => MessageVerdict.Reject(LspErrorCodes.ServerNotInitialized, $"Server not initialized: '{method}' was sent before 'initialize'."),
            ServerState.Uninitialized => MessageVerdict.Drop,
            ServerState.ShutDown when isRequest => MessageVerdict.Reject(LspErrorCodes.InvalidRequest, $"Invalid request: '{method}' after 'shutdown'."),
            ServerState.ShutDown => MessageVerdict.Drop,
            _ => MessageVerdict.Accept,
        };
    }

    [JsonRpcMethod("initialize", UseSingleObjectParameterDeserialization = true)]
    public InitializeResult Initialize(InitializeParams? parameters)
    {
        try
        {
            return InitializeCore(parameters);
        }
        finally
        {
            // A failed initialize leaves the server uninitialized: later requests get ServerNotInitialized again.
            _initializeQueued = _state != ServerState.Uninitialized;
        }
    }

    private InitializeResult InitializeCore(InitializeParams? parameters)
    {
        Require(parameters, "params");

        if (_state != ServerState.Uninitialized)
        {
            throw Error(LspErrorCodes.InvalidRequest, "'initialize' may only be sent once.");
        }

        Client.Capabilities = parameters!.Capabilities ?? new ClientCapabilities();
        Client.Trace = parameters.Trace ?? "off";
        Encoding = parameters.Capabilities?.General?.PositionEncodings?.Contains("utf-8") == true ? PositionEncodingKind.Utf8 : PositionEncodingKind.Utf16;
        _settings = EngramSettings.Default.Merge(parameters.InitializationOptions);
        // Only initializationOptions (the editor's own decision), never workspace/configuration, which a workspace's
        // settings files can feed.
        _clientReportsTrust = parameters.InitializationOptions is { ValueKind: JsonValueKind.Object } options
            && options.TryGetProperty("workspaceTrusted", out var trusted) && trusted.ValueKind is JsonValueKind.True or JsonValueKind.False;
        _clientTrust = _clientReportsTrust && parameters.InitializationOptions!.Value.GetProperty("workspaceTrusted").GetBoolean();

        var roots = ResolveRoots(parameters);
        roots = ApplyIndexFolders(roots);
        Workspace = new EngramWorkspace(
            new EngramWorkspaceOptions(roots, _options.IndexDirectory, _options.LexicalOnly || _settings.IndexLexicalOnly),
            _loggerFactory,
            _options.Embedder);
        Workspace.IndexUpdated += OnIndexUpdated;
        LoadModels(roots.Count > 0 ? roots[0] : Directory.GetCurrentDirectory());
        _state = ServerState.Initialized;
        _logger.LogInformation("Initialized for {Client} with {Roots} root(s), position encoding {Encoding}",
            parameters.ClientInfo?.Name ?? "an unnamed client", roots.Count, Encoding == PositionEncodingKind.Utf8 ? "utf-8" : "utf-16");

        return new InitializeResult(BuildCapabilities(), new ServerInfo("engram", typeof(EngramLanguageServer).Assembly.GetName().Version?.ToString(3)));
    }

    [JsonRpcMethod("initialized", UseSingleObjectParameterDeserialization = true)]
    public void Initialized(JsonElement? parameters)
    {
        _ = parameters;
        if (_configError is { } message)
        {
            Client.ShowMessage(MessageType.Error, message);
        }

        ReportWorkspaceTrust();
        SendStatus(force: true);
        StartModeWatchers();
        RunInBackground("configuration", PullConfigurationAsync);
        RunInBackground("registration", RegisterWatchedFilesAsync);
        StartGitWatchers();
        if (_settings.IndexAutoUpdate)
        {
            RequestIndexUpdate(TimeSpan.Zero);
        }

        if (_options.TrainCompletionModel)
        {
            RunInBackground("completion training", TrainCompletionModelAsync);
        }
    }

    [JsonRpcMethod("shutdown")]
    public object? Shutdown()
    {
        _state = ServerState.ShutDown;
        _shutdown.Cancel();
        _logger.LogInformation("Shutdown requested");
        return null;
    }

    [JsonRpcMethod("exit")]
    public void Exit()
    {
        var code = _state == ServerState.ShutDown ? 0 : 1;
        _state = ServerState.ShutDown;
        _shutdown.Cancel();
        _exit.TrySetResult(code);
    }

    [JsonRpcMethod("$/setTrace", UseSingleObjectParameterDeserialization = true)]
    public void SetTrace(SetTraceParams? parameters)
    {
        if (parameters?.Value is "off" or "messages" or "verbose")
        {
            Client.Trace = parameters.Value;
        }
    }

    /// <summary>Called when the input ended without <c>exit</c>: the process exits with 1.</summary>
    public void InputEnded()
    {
        _shutdown.Cancel();
        _exit.TrySetResult(1);
    }

    public async ValueTask DisposeAsync()
    {
        _shutdown.Cancel();
        StopGitWatchers();
        StopModeWatchers();
        if (Workspace is { } workspace)
        {
            workspace.IndexUpdated -= OnIndexUpdated;
            await workspace.DisposeAsync().ConfigureAwait(false);
        }

        if (_reloading is { } reloading)
        {
            reloading.Reloaded -= OnModelsReloaded;
            reloading.ReloadFailed -= OnModelsReloadFailed;
            reloading.Dispose();
        }

        _staticModels?.Dispose();
        _shutdown.Dispose();
    }

    internal static LocalRpcException Error(int code, string message) => new(message) { ErrorCode = code };

    /// <summary>Throws InvalidParams (-32602) naming <paramref name="name"/> when <paramref name="value"/> is null.</summary>
    internal static void Require(object? value, string name)
    {
        if (value is null)
        {
            throw Error(LspErrorCodes.InvalidParams, $"Invalid params: '{name}' is required.");
        }
    }

    private ServerCapabilities BuildCapabilities() => new()
    {
        PositionEncoding = Encoding == PositionEncodingKind.Utf8 ? "utf-8" : "utf-16",
        TextDocumentSync = new TextDocumentSyncOptions(true, TextDocumentSyncKind.Incremental, new SaveOptions(false)),
        CompletionProvider = new CompletionOptions(["."], false),
        HoverProvider = true,
        CodeActionProvider = new CodeActionOptions([CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite, CodeActionKind.Source], false),
        ExecuteCommandProvider = new ExecuteCommandOptions(CommandNames.All),
        InlineCompletionProvider = true,
        Workspace = new WorkspaceServerCapabilities(new WorkspaceFoldersServerCapabilities(true, true)),
    };

    /// <summary>The <c>index.folders</c> setting, when given, replaces the workspace folders as roots (relative entries resolve against the first workspace folder).</summary>
    private List<string> ApplyIndexFolders(List<string> roots)
    {
        if (_settings.IndexFolders.Count == 0)
        {
            return roots;
        }

        var anchor = roots.Count > 0 ? roots[0] : Directory.GetCurrentDirectory();
        var chosen = new List<string>();
        foreach (var folder in _settings.IndexFolders)
        {
            var full = Path.GetFullPath(Path.IsPathRooted(folder) ? folder : Path.Combine(anchor, folder)).TrimEnd(Path.DirectorySeparatorChar);
            if (Directory.Exists(full) && !chosen.Contains(full))
            {
                chosen.Add(full);
            }
            else if (!Directory.Exists(full))
            {
                _logger.LogWarning("index.folders entry {Folder} does not exist; ignored", folder);
            }
        }

        return chosen.Count > 0 ? chosen : roots;
    }

    private List<string> ResolveRoots(InitializeParams parameters)
    {
        var candidates = new List<string>();
        if (parameters.WorkspaceFolders is { Count: > 0 } folders)
        {
            candidates.AddRange(folders.Select(f => LspUris.ToPath(f?.Uri)).OfType<string>());
        }
        else if (LspUris.ToPath(parameters.RootUri) is { } rootUri)
        {
            candidates.Add(rootUri);
        }
        else if (!string.IsNullOrEmpty(parameters.RootPath))
        {
            candidates.Add(Path.GetFullPath(parameters.RootPath));
        }

        var roots = new List<string>();
        foreach (var candidate in candidates.Select(c => c.TrimEnd(Path.DirectorySeparatorChar)).Distinct(StringComparer.Ordinal))
        {
            if (Directory.Exists(candidate))
            {
                roots.Add(candidate);
            }
            else
            {
                _logger.LogWarning("Workspace folder {Folder} does not exist; ignored", candidate);
            }
        }

        return roots;
    }

    private void LoadModels(string root)
    {
        try
        {
            if (_options.ModelsFactory is { } factory)
            {
                _staticModels = factory(root);
                return;
            }

            var reloading = new ReloadingEngramModels(
                root,
                _options.UserConfigPath ?? EngramConfigLoader.GetUserConfigPath(),
                EngramConfigLoader.GetWorkspaceConfigPath(root),
                new ReloadingEngramModelsOptions
                {
                    ClientFactory = _options.ModelClientFactory,
                    Ledger = _options.UsageLedger,
                    Debounce = _options.ConfigReloadDebounce,
                    TrustedByClient = _clientTrust,
                });
            if (reloading.LastError is { } error)
            {
                _configError = ConfigErrorMessage(error);
                _logger.LogError("{Message}", _configError);
            }

            reloading.Reloaded += OnModelsReloaded;
            reloading.ReloadFailed += OnModelsReloadFailed;
            _reloading = reloading;
        }
        catch (Exception ex) when (ex is ConfigException or IOException or UnauthorizedAccessException)
        {
            _configError = ConfigErrorMessage(ex);
            _logger.LogError("{Message}", _configError);
        }
    }

    private static string ConfigErrorMessage(Exception ex) =>
        $"Engram: the model configuration cannot be loaded, so model-backed features are off (completion, hover and search keep working): {ex.Message}";

    private async Task PullConfigurationAsync(CancellationToken cancellationToken)
    {
        if (!Client.SupportsConfiguration)
        {
            return;
        }

        var result = await Client.RequestAsync<JsonElement[]?>("workspace/configuration",
            new ConfigurationParams([new ConfigurationItem(null, "engram")]), cancellationToken).ConfigureAwait(false);
        if (result is { Length: > 0 })
        {
            _settings = _settings.Merge(result[0]);
            _logger.LogDebug("Settings from workspace/configuration applied");
        }
    }

    /// <summary>Runs <paramref name="work"/> on the thread pool; logs failures (cancellation is not one).</summary>
    internal void RunInBackground(string what, Func<CancellationToken, Task> work)
    {
        var token = _shutdown.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                await work(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
            catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException && token.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                _logger.LogWarning("Background {What} failed: {Message}", what, ex.Message);
            }
        }, CancellationToken.None);
    }
}
