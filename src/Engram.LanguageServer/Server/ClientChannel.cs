using System.Collections.Concurrent;
using Engram.LanguageServer.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace Engram.LanguageServer.Server;

/// <summary>
/// Messages from the server to the client: notifications (logMessage, showMessage, progress, diagnostics,
/// engram/status) and requests (applyEdit, configuration, registerCapability, showDocument, workDoneProgress/create).
/// </summary>
/// <remarks>
/// Thread-safe. Notifications are fire-and-forget: a failure (the client went away) is logged at debug level, never
/// thrown into a feature. Never called from the dispatch path with an await that waits on the client.
/// </remarks>
internal sealed class ClientChannel
{
    private readonly JsonRpc _rpc;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _shownOnce = new(StringComparer.Ordinal);
    private int _progressCounter;

    public ClientChannel(JsonRpc rpc, ILogger logger)
    {
        _rpc = rpc;
        _logger = logger;
    }

    public ClientCapabilities Capabilities { get; set; } = new();

    /// <summary>The value of the last <c>$/setTrace</c> (or initialize's <c>trace</c>): off, messages or verbose.</summary>
    public string Trace { get; set; } = "off";

    public bool SupportsWorkDoneProgress => Capabilities.Window?.WorkDoneProgress == true;

    public bool SupportsShowDocument => Capabilities.Window?.ShowDocument?.Support == true;

    public bool SupportsApplyEdit => Capabilities.Workspace?.ApplyEdit == true;

    public bool SupportsConfiguration => Capabilities.Workspace?.Configuration == true;

    public bool SupportsWatchedFilesRegistration => Capabilities.Workspace?.DidChangeWatchedFiles?.DynamicRegistration == true;

    public void Notify(string method, object? parameters)
    {
        try
        {
            _ = _rpc.NotifyWithParameterObjectAsync(method, parameters).ContinueWith(
                t => _logger.LogDebug("Notification {Method} failed: {Message}", method, t.Exception?.GetBaseException().Message),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or ConnectionLostException or InvalidOperationException)
        {
            _logger.LogDebug("Notification {Method} not sent: {Message}", method, ex.Message);
        }
    }

    public Task<T> RequestAsync<T>(string method, object? parameters, CancellationToken cancellationToken) =>
        _rpc.InvokeWithParameterObjectAsync<T>(method, parameters, cancellationToken);

    public void LogMessage(int type, string message) => Notify("window/logMessage", new LogMessageParams(type, message));

    public void ShowMessage(int type, string message) => Notify("window/showMessage", new ShowMessageParams(type, message));

    /// <summary>Shows <paramref name="message"/> the first time <paramref name="key"/> is seen; later calls do nothing.</summary>
    public void ShowMessageOnce(string key, int type, string message)
    {
        if (_shownOnce.TryAdd(key, true))
        {
            ShowMessage(type, message);
        }
    }

    /// <summary>Forgets the keys of <see cref="ShowMessageOnce"/> starting with <paramref name="prefix"/>, so their messages may show again.</summary>
    public void ForgetShownOnce(string prefix)
    {
        foreach (var key in _shownOnce.Keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                _shownOnce.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Sends <c>$/logTrace</c> when tracing is on (verbose text only for <c>verbose</c>).</summary>
    public void LogTrace(string message, string? verbose = null)
    {
        if (Trace is "messages" or "verbose")
        {
            Notify("$/logTrace", new LogTraceParams(message, Trace == "verbose" ? verbose : null));
        }
    }

    /// <summary>
    /// Starts a work-done progress (window/workDoneProgress/create, then <c>$/progress</c> begin); a no-op reporter
    /// when the client does not support it or refuses the token.
    /// </summary>
    public async Task<ProgressReporter> BeginProgressAsync(string title, string? message, CancellationToken cancellationToken)
    {
        if (!SupportsWorkDoneProgress)
        {
            return ProgressReporter.None;
        }

        var token = $"engram/{Interlocked.Increment(ref _progressCounter)}";
        try
        {
            await RequestAsync<object?>("window/workDoneProgress/create", new WorkDoneProgressCreateParams(token), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RemoteInvocationException or ConnectionLostException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            _logger.LogDebug("Progress token refused: {Message}", ex.Message);
            return ProgressReporter.None;
        }

        Notify("$/progress", new ProgressParams(token, new WorkDoneProgressBegin(title, message, 0)));
        return new ProgressReporter(this, token);
    }
}
