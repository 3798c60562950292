using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Engram.Models.Tests.Routing;

/// <summary>One log line with the scope values that were active when it was written.</summary>
public sealed record CapturedLog(LogLevel Level, string Message, IReadOnlyDictionary<string, object?> State, IReadOnlyDictionary<string, object?> Scope);

/// <summary>An <see cref="ILogger"/> that keeps every line and its scopes (key/value scopes only) for assertions.</summary>
public sealed class CapturingLogger : ILogger
{
    private readonly AsyncLocal<ImmutableScope?> _scope = new();

    public ConcurrentQueue<CapturedLog> Logs { get; } = new();

    public IDisposable BeginScope<TState>(TState state)
        where TState : notnull
    {
        var parent = _scope.Value;
        _scope.Value = new ImmutableScope(parent, state as IEnumerable<KeyValuePair<string, object?>> ?? []);
        return new Pop(this, parent);
    }

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var scope = new Dictionary<string, object?>();
        for (var s = _scope.Value; s is not null; s = s.Parent)
        {
            foreach (var (key, value) in s.Values)
            {
                scope.TryAdd(key, value);
            }
        }

        var values = (state as IEnumerable<KeyValuePair<string, object?>>)?.ToDictionary(p => p.Key, p => p.Value) ?? [];
        Logs.Enqueue(new CapturedLog(logLevel, formatter(state, exception), values, scope));
    }

    private sealed record ImmutableScope(ImmutableScope? Parent, IEnumerable<KeyValuePair<string, object?>> Values);

    private sealed class Pop(CapturingLogger logger, ImmutableScope? parent) : IDisposable
    {
        public void Dispose() => logger._scope.Value = parent;
    }
}
