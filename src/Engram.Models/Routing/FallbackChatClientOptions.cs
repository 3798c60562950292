namespace Engram.Models.Routing;

/// <summary>Settings of a <see cref="FallbackChatClient"/>.</summary>
public sealed record FallbackChatClientOptions
{
    /// <summary>
    /// Longest time one attempt may take (for streaming: until its first update) before it counts as failed (a
    /// transient <see cref="TimeoutException"/>); null for no limit. Default 60 s.
    /// </summary>
    public TimeSpan? AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Retries of the same model after a transient failure (429, 5xx, attempt timeout) before moving on to the next
    /// model (Polly's <c>RetryStrategyOptions.MaxRetryAttempts</c>); 0 moves on at once. Default 2 (so at most 3
    /// attempts per model).
    /// </summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>
    /// Base of Polly's exponential backoff with jitter (its <c>RetryStrategyOptions.Delay</c>: the median delay before
    /// the first retry; later retries grow roughly twofold each, randomised). Default 200 ms.
    /// </summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of one backoff delay (Polly's <c>RetryStrategyOptions.MaxDelay</c>). Default 2 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Longest Retry-After honoured: a transient <see cref="ModelProviderException"/> whose Retry-After is at most this
    /// is retried after exactly that delay (instead of the backoff); a longer one moves on to the next model at once.
    /// Default 2 s.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Per-model circuit breakers consulted before every attempt and told its outcome; null (the default) for none.
    /// An open circuit skips its model, recording a <see cref="CircuitBreakerOpenException"/> as that model's failure.
    /// </summary>
    public CircuitBreakerRegistry? CircuitBreakers { get; init; }

    /// <summary>Clock for retry delays (Polly's pipeline runs on it) and attempt timeouts. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
