using System.Collections.Concurrent;

namespace Engram.Models.Tests.Routing;

/// <summary>
/// A clock whose timers fire at once while recording the delay they asked for, so backoff can be checked without
/// waiting. Only for code whose every timer is a delay (set AttemptTimeout to null).
/// </summary>
public sealed class InstantTimeProvider : TimeProvider
{
    public ConcurrentQueue<TimeSpan> Delays { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Delays.Enqueue(dueTime);
        return System.CreateTimer(callback, state, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
