namespace Engram.Models.Routing;

/// <summary>
/// Tracks one model's health: after <see cref="CircuitBreakerOptions.FailureThreshold"/> consecutive failures the
/// circuit opens and <see cref="TryAcquire"/> refuses calls for <see cref="CircuitBreakerOptions.OpenDuration"/>;
/// then exactly one trial call is let through (half-open), whose success closes the circuit and whose failure
/// reopens it for another period.
/// </summary>
/// <remarks>
/// Thread-safe (one lock; every operation is O(1)). Every <see cref="TryAcquire"/> that returns true must be followed
/// by exactly one of <see cref="RecordSuccess"/>, <see cref="RecordFailure"/> or <see cref="Release"/> (the last for
/// outcomes that say nothing about the model's health: cancellation, budget refusal), otherwise a half-open circuit
/// would wait for its trial forever.
/// <para>Deliberately not Polly's circuit breaker (which <see cref="FallbackChatClient"/> otherwise uses for retrying):
/// Polly's breaker opens on a failure <em>ratio</em> over a sampling window with a minimum throughput of 2, counts every
/// outcome it does not handle as a success, and has no neutral outcome, so it cannot keep this type's documented
/// semantics (consecutive failures, a threshold of 1, budget refusals and cancellation that neither open nor close).</para>
/// </remarks>
public sealed class CircuitBreaker
{
    private readonly Lock _lock = new();
    private readonly CircuitBreakerOptions _options;
    private CircuitBreakerState _state;
    private int _consecutiveFailures;
    private DateTimeOffset _openedAt;
    private bool _trialInFlight;

    /// <summary>Creates a closed circuit.</summary>
    public CircuitBreaker(CircuitBreakerOptions? options = null)
    {
        _options = options ?? new CircuitBreakerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.FailureThreshold, 1, nameof(options));
    }

    /// <summary>The current state; an open circuit whose period is over reads as <see cref="CircuitBreakerState.HalfOpen"/>.</summary>
    public CircuitBreakerState State
    {
        get
        {
            lock (_lock)
            {
                return _state == CircuitBreakerState.Open && OpenPeriodOver() ? CircuitBreakerState.HalfOpen : _state;
            }
        }
    }

    /// <summary>
    /// True when a call may go ahead: the circuit is closed, or it is half-open and no trial is in flight (this call
    /// becomes the trial). False when the circuit is open or its trial is already in flight.
    /// </summary>
    public bool TryAcquire()
    {
        lock (_lock)
        {
            if (_state == CircuitBreakerState.Closed)
            {
                return true;
            }

            if (_state == CircuitBreakerState.Open)
            {
                if (!OpenPeriodOver())
                {
                    return false;
                }

                _state = CircuitBreakerState.HalfOpen;
            }

            if (_trialInFlight)
            {
                return false;
            }

            _trialInFlight = true;
            return true;
        }
    }

    /// <summary>The acquired call succeeded: closes the circuit and resets the failure count.</summary>
    public void RecordSuccess()
    {
        lock (_lock)
        {
            _state = CircuitBreakerState.Closed;
            _consecutiveFailures = 0;
            _trialInFlight = false;
        }
    }

    /// <summary>The acquired call failed: a failed trial reopens the circuit; otherwise the threshold-th consecutive failure opens it.</summary>
    public void RecordFailure()
    {
        lock (_lock)
        {
            _consecutiveFailures++;
            if (_state == CircuitBreakerState.HalfOpen || _consecutiveFailures >= _options.FailureThreshold)
            {
                _state = CircuitBreakerState.Open;
                _openedAt = _options.TimeProvider.GetUtcNow();
            }

            _trialInFlight = false;
        }
    }

    /// <summary>The acquired call ended without saying anything about the model (cancelled, refused by a budget): a trial slot is freed.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _trialInFlight = false;
        }
    }

    private bool OpenPeriodOver() => _options.TimeProvider.GetUtcNow() - _openedAt >= _options.OpenDuration;
}
