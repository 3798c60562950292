using System.Collections.Concurrent;

namespace Engram.Models.Routing;

/// <summary>One <see cref="CircuitBreaker"/> per model name (ordinal), created on first use and shared by every pipeline that holds the registry.</summary>
/// <remarks>Thread-safe. <see cref="ModelRouter"/> owns one, so a model failing for one task is skipped by the others too.</remarks>
public sealed class CircuitBreakerRegistry
{
    private readonly ConcurrentDictionary<string, CircuitBreaker> _breakers = new(StringComparer.Ordinal);
    private readonly CircuitBreakerOptions _options;

    /// <summary>Creates an empty registry whose breakers use <paramref name="options"/>.</summary>
    public CircuitBreakerRegistry(CircuitBreakerOptions? options = null)
    {
        _options = options ?? new CircuitBreakerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.FailureThreshold, 1, nameof(options));
    }

    /// <summary>The breaker of model <paramref name="modelId"/>, created closed on first request.</summary>
    public CircuitBreaker Get(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        return _breakers.GetOrAdd(modelId, static (_, options) => new CircuitBreaker(options), _options);
    }
}
