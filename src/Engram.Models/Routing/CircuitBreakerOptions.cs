namespace Engram.Models.Routing;

/// <summary>Settings shared by the <see cref="CircuitBreaker"/>s of a <see cref="CircuitBreakerRegistry"/>.</summary>
public sealed record CircuitBreakerOptions
{
    /// <summary>Consecutive failed attempts that open a model's circuit; at least 1. Default 5.</summary>
    public int FailureThreshold { get; init; } = 5;

    /// <summary>How long an open circuit refuses calls before it lets one trial through. Default 30 s.</summary>
    public TimeSpan OpenDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Clock for the open period. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
