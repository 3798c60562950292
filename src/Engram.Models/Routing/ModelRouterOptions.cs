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
}
