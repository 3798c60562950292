namespace Engram.Models.Routing;

/// <summary>Settings of a <see cref="FallbackChatClient"/>.</summary>
public sealed record FallbackChatClientOptions
{
    /// <summary>
    /// Longest time one attempt may take (for streaming: until its first update) before it counts as failed and the
    /// next candidate is tried; null for no limit. Default 60 s.
    /// </summary>
    public TimeSpan? AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest Retry-After honoured: on a 429 whose Retry-After is at most this, the same candidate is retried once
    /// after that delay; a longer (or absent) Retry-After moves on to the next candidate at once. Default 2 s.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Clock for delays and timeouts. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
