using System.Diagnostics;
using System.IO.Pipelines;
using Engram.LanguageServer.Framing;
using Engram.LanguageServer.Protocol;
using Engram.LanguageServer.Server;
using Microsoft.Extensions.Logging;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace Engram.LanguageServer;

/// <summary>
/// Runs the Engram language server (LSP 3.17 plus 3.18 <c>textDocument/inlineCompletion</c>) over a pair of streams
/// with the base protocol's <c>Content-Length</c> framing: StreamJsonRpc's <c>HeaderDelimitedMessageHandler</c> with
/// <c>SystemTextJsonFormatter</c>, behind a pump that answers malformed frames instead of dropping the connection.
/// </summary>
public static class LanguageServerHost
{
    /// <summary>
    /// Serves one client until it sends <c>exit</c>, the input ends, or <paramref name="cancellationToken"/> fires.
    /// Writes only framed JSON-RPC messages to <paramref name="output"/>; logs go to
    /// <see cref="LspServerOptions.LoggerFactory"/> and <c>window/logMessage</c>.
    /// </summary>
    /// <returns>The process exit code: 0 when <c>exit</c> followed <c>shutdown</c>, 1 otherwise (exit without
    /// shutdown, input closed, cancelled).</returns>
    public static async Task<int> RunAsync(Stream input, Stream output, LspServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);

        var forwarding = new ForwardingLoggerProvider();
        var loggerFactory = new CompositeLoggerFactory(options.LoggerFactory, forwarding);
        var logger = loggerFactory.CreateLogger("engram.lsp");

        var formatter = new SystemTextJsonFormatter { JsonSerializerOptions = LspJson.Options };
        var pipe = new Pipe();
        var handler = new HeaderDelimitedMessageHandler(PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true)), pipe.Reader, formatter);
        var rpc = new LspJsonRpc(handler, logger)
        {
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),
            TraceSource = new TraceSource("engram.lsp.rpc", SourceLevels.Off),
        };
        rpc.TraceSource.Listeners.Clear();
        var client = new ClientChannel(rpc, logger);
        forwarding.Attach(client);
        var server = new EngramLanguageServer(options, loggerFactory, client);
        rpc.AddLocalRpcTarget(server, new JsonRpcTargetOptions { DisposeOnDisconnect = false });

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = new MessagePump(input, pipe.Writer, error => handler.WriteAsync(error, CancellationToken.None).AsTask(), server.Gate, options.MaxMessageBytes, logger);
        rpc.StartListening();
        var pumping = Task.Run(() => pump.RunAsync(stop.Token), CancellationToken.None);
        _ = rpc.Completion.ContinueWith(_ => server.InputEnded(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        int exitCode;
        try
        {
            exitCode = await server.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            exitCode = 1;
        }

        logger.LogInformation("Language server exiting with code {Code}", exitCode);
        forwarding.Dispose();
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            // Let responses already queued (e.g. to shutdown) reach the client before the streams close.
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
        {
        }

        rpc.Dispose();
        await server.DisposeAsync().ConfigureAwait(false);
        _ = pumping;
        return exitCode;
    }
}
