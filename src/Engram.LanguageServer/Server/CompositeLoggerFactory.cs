using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engram.LanguageServer.Server;

/// <summary>Loggers that write to the host's factory (stderr) and to extra providers (window/logMessage).</summary>
internal sealed class CompositeLoggerFactory(ILoggerFactory? inner, ILoggerProvider extra) : ILoggerFactory
{
    private readonly ILoggerFactory _inner = inner ?? NullLoggerFactory.Instance;

    public void AddProvider(ILoggerProvider provider) => _inner.AddProvider(provider);

    public ILogger CreateLogger(string categoryName) => new CompositeLogger(_inner.CreateLogger(categoryName), extra.CreateLogger(categoryName));

    public void Dispose()
    {
        // The inner factory belongs to the caller.
    }

    private sealed class CompositeLogger(ILogger first, ILogger second) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => first.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => first.IsEnabled(logLevel) || second.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (first.IsEnabled(logLevel))
            {
                first.Log(logLevel, eventId, state, exception, formatter);
            }

            if (second.IsEnabled(logLevel))
            {
                second.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
