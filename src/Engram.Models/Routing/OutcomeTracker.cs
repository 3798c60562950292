using Engram.Models.Configuration;

namespace Engram.Models.Routing;

/// <summary>
/// Remembers, per (model, task), whether the most recent calls succeeded and how long the successful ones took, and
/// ranks candidates by that evidence (<see cref="Rank"/>).
/// </summary>
/// <remarks>
/// <para>A fixed window of the last <c>windowSize</c> calls per pair, so old evidence is forgotten and a recovered
/// model climbs back. Only <see cref="UsageOutcome.Success"/> and <see cref="UsageOutcome.Failed"/> count: refusals
/// say nothing about the model and cancellations are the caller's choice.</para>
/// <para>Thread-safe (one lock; every operation is O(window) per model). <see cref="Version"/> grows with every
/// recorded outcome, so callers can cache a ranking until it changes.</para>
/// </remarks>
public sealed class OutcomeTracker
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Model, ModelTask Task), Window> _windows = [];
    private readonly int _windowSize;
    private long _version;

    /// <summary>Creates a tracker that remembers the last <paramref name="windowSize"/> calls per (model, task).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="windowSize"/> is less than 1.</exception>
    public OutcomeTracker(int windowSize = 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        _windowSize = windowSize;
    }

    /// <summary>Increases every time an outcome is recorded.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Records <paramref name="entry"/> when its outcome is a success or a failure; ignores the others.</summary>
    public void Record(UsageEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Outcome is UsageOutcome.Success or UsageOutcome.Failed)
        {
            Record(entry.Model, entry.Task, entry.Outcome == UsageOutcome.Success, entry.LatencyMs);
        }
    }

    /// <summary>Records one call of <paramref name="model"/> for <paramref name="task"/>; <paramref name="latencyMs"/> counts only for successes.</summary>
    public void Record(string model, ModelTask task, bool success, double latencyMs)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_lock)
        {
            if (!_windows.TryGetValue((model, task), out var window))
            {
                window = new Window(_windowSize);
                _windows.Add((model, task), window);
            }

            window.Add(success, latencyMs);
            _version++;
        }
    }

    /// <summary>The evidence for (<paramref name="model"/>, <paramref name="task"/>); zero samples when there is none.</summary>
    public OutcomeStats GetStats(string model, ModelTask task)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_lock)
        {
            return _windows.TryGetValue((model, task), out var window) ? window.Stats() : default;
        }
    }

    /// <summary>
    /// <paramref name="models"/> (given best first) reordered by evidence: first the models that are neither unreliable
    /// nor slow, then the slow ones, then the unreliable ones, each group in the given order. Unreliable: at least
    /// <see cref="OutcomeRoutingOptions.MinSamples"/> calls and a success rate below
    /// <see cref="OutcomeRoutingOptions.MinSuccessRate"/>. Slow: at least <c>MinSamples</c> successes and a median
    /// latency above <see cref="OutcomeRoutingOptions.SlowFactor"/> times, and <see cref="OutcomeRoutingOptions.MinSlowGapMs"/>
    /// above, that of some reliable other model with <c>MinSamples</c> successes. The same history always gives the same order.
    /// </summary>
    public IReadOnlyList<string> Rank(IReadOnlyList<string> models, ModelTask task, OutcomeRoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled || models.Count < 2)
        {
            return models;
        }

        var stats = models.Select(m => GetStats(m, task)).ToArray();
        var unreliable = stats.Select(s => s.Samples >= options.MinSamples && s.SuccessRate < options.MinSuccessRate).ToArray();
        var tiers = new int[models.Count];
        for (var i = 0; i < models.Count; i++)
        {
            if (unreliable[i])
            {
                tiers[i] = 2;
                continue;
            }

            if (stats[i] is { Successes: var n, P50LatencyMs: { } mine } && n >= options.MinSamples)
            {
                for (var j = 0; j < models.Count; j++)
                {
                    if (j != i && !unreliable[j] && stats[j] is { Successes: var m, P50LatencyMs: { } theirs } && m >= options.MinSamples
                        && mine > theirs * options.SlowFactor && mine - theirs >= options.MinSlowGapMs)
                    {
                        tiers[i] = 1;
                        break;
                    }
                }
            }
        }

        // OrderBy is stable, so each tier keeps the configured order.
        return [.. Enumerable.Range(0, models.Count).OrderBy(i => tiers[i]).Select(i => models[i])];
    }

    // A ring buffer of the last calls of one (model, task) pair.
    private sealed class Window(int size)
    {
        private readonly bool[] _success = new bool[size];
        private readonly double[] _latencyMs = new double[size];
        private int _next;
        private int _count;

        public void Add(bool success, double latencyMs)
        {
            _success[_next] = success;
            _latencyMs[_next] = latencyMs;
            _next = (_next + 1) % _success.Length;
            _count = Math.Min(_count + 1, _success.Length);
        }

        public OutcomeStats Stats()
        {
            var latencies = new List<double>(_count);
            for (var i = 0; i < _count; i++)
            {
                if (_success[i])
                {
                    latencies.Add(_latencyMs[i]);
                }
            }

            latencies.Sort();
            return new OutcomeStats(_count, latencies.Count, latencies.Count == 0 ? null : latencies[(latencies.Count - 1) / 2]);
        }
    }
}
