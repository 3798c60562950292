using Engram.LanguageServer.Protocol;
using Microsoft.Extensions.Logging;

namespace Engram.LanguageServer.Server;

/// <summary>
/// Sends log records at <see cref="LogLevel.Information"/> and above to the client as <c>window/logMessage</c>
/// (alongside the host's own stderr logger). Never writes to stdout directly.
/// </summary>
internal sealed class ForwardingLoggerProvider : ILoggerProvider
{
    private ClientChannel? _client;

    public void Attach(ClientChannel client) => _client = client;

    public ILogger CreateLogger(string categoryName) => new ForwardingLogger(this);

    public void Dispose() => _client = null;

    private sealed class ForwardingLogger(ForwardingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && logLevel != LogLevel.None && provider._client is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || provider._client is not { } client)
            {
                return;
            }

            var type = logLevel switch
            {
                LogLevel.Critical or LogLevel.Error => MessageType.Error,
                LogLevel.Warning => MessageType.Warning,
                _ => MessageType.Info,
            };
            client.LogMessage(type, formatter(state, exception));
        }
    }
}
