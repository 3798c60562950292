using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Engram.Features.Tests.Dialogue;

/// <summary>Records each log line with the CorrelationId of the innermost scope that has one.</summary>
public sealed class ScopeCapturingLogger : ILogger
{
    private readonly AsyncLocal<string?> _scope = new();

    public ConcurrentQueue<(string? Scope, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        var previous = _scope.Value;
        if (state is IEnumerable<KeyValuePair<string, object>> pairs && pairs.FirstOrDefault(p => p.Key == "CorrelationId").Value is { } id)
        {
            _scope.Value = id.ToString();
        }

        return new Restore(() => _scope.Value = previous);
    }

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue((_scope.Value, formatter(state, exception)));

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
