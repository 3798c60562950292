using Microsoft.Extensions.Logging;

namespace Engram.Models.Routing;

/// <summary>Settings of a <see cref="ModelRouter"/>.</summary>
public sealed record ModelRouterOptions
{
    /// <summary>Settings of the fallback stage.</summary>
    public FallbackChatClientOptions Fallback { get; init; } = new();

    /// <summary>Settings of the per-model circuit breakers the router owns.</summary>
    public CircuitBreakerOptions CircuitBreaker { get; init; } = new();

    /// <summary>Output tokens assumed when a request sets no maximum; see <see cref="BudgetChatClientOptions.DefaultMaxOutputTokens"/>.</summary>
    public int DefaultMaxOutputTokens { get; init; } = 1024;

    /// <summary>Clock for budgets and the ledger. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How recent outcomes reorder each task's candidates; on by default with conservative thresholds.</summary>
    public OutcomeRoutingOptions Outcomes { get; init; } = new();

    /// <summary>
    /// Receives one Information line per attempt (model, outcome, latency in ms, tokens) inside a scope of
    /// { CorrelationId, Task, Model }; never message content or keys. Null (the default) for no logging.
    /// </summary>
    public ILogger? Logger { get; init; }
}
