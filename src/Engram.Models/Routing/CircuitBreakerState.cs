namespace Engram.Models.Routing;

/// <summary>The state of one model's <see cref="CircuitBreaker"/>.</summary>
public enum CircuitBreakerState
{
    /// <summary>Calls pass; consecutive failures are counted.</summary>
    Closed,

    /// <summary>Calls are refused until <see cref="CircuitBreakerOptions.OpenDuration"/> has passed.</summary>
    Open,

    /// <summary>The open period is over: one trial call may pass; its outcome closes or reopens the circuit.</summary>
    HalfOpen,
}
