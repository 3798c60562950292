using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Tools;

/// <summary>
/// Sends <c>notifications/progress</c> for one tool call, in order, and lets the tool wait until all were written
/// before it returns its result (clients stop listening for a request's progress once its result arrives).
/// </summary>
/// <remarks>Thread-safe: reports from any thread are chained one after another. Without a progress token it does nothing.</remarks>
internal sealed class ToolProgress : IProgress<ProgressNotificationValue>
{
    private readonly McpServer _server;
    private readonly ProgressToken? _token;
    private readonly Lock _gate = new();
    private Task _chain = Task.CompletedTask;

    public ToolProgress(McpServer server, RequestContext<CallToolRequestParams> context)
    {
        _server = server;
        _token = context.Params?.ProgressToken;
    }

    public void Report(ProgressNotificationValue value)
    {
        if (_token is not { } token)
        {
            return;
        }

        lock (_gate)
        {
            _chain = _chain.ContinueWith(
                async _ =>
                {
                    try
                    {
                        await _server.NotifyProgressAsync(token, value).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // A lost progress notification must not fail the tool.
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>Completes when every notification reported so far has been sent.</summary>
    public Task FlushAsync()
    {
        lock (_gate)
        {
            return _chain;
        }
    }
}
