namespace Engram.Models.Routing;

/// <summary>What an <see cref="OutcomeTracker"/> remembers of one (model, task) pair's recent calls.</summary>
/// <param name="Samples">Calls in the window (successes and failures).</param>
/// <param name="Successes">Successful calls in the window.</param>
/// <param name="P50LatencyMs">Median latency in milliseconds of the successful calls (the lower middle value), or null when there were none.</param>
public readonly record struct OutcomeStats(int Samples, int Successes, double? P50LatencyMs)
{
    /// <summary>Successes / samples in [0, 1]; 1 when there are no samples (no evidence is not bad evidence).</summary>
    public double SuccessRate => Samples == 0 ? 1 : (double)Successes / Samples;
}
