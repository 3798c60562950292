namespace Engram.Models.Routing;

/// <summary>
/// How <see cref="ModelRouter"/> demotes models by their recent outcomes (see <see cref="OutcomeTracker.Rank"/>).
/// The defaults are conservative: a model must clearly misbehave, over several calls, before it moves.
/// </summary>
public sealed record OutcomeRoutingOptions
{
    /// <summary>Whether recent outcomes reorder candidates at all; false keeps the configured order. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Most recent calls remembered per (model, task); older ones are forgotten. Default 20.</summary>
    public int Window { get; init; } = 20;

    /// <summary>Calls (for latency: successful calls) a model needs in its window before it can be demoted. Default 5.</summary>
    public int MinSamples { get; init; } = 5;

    /// <summary>A model whose success rate in its window, in [0, 1], is below this is demoted behind the others. Default 0.5.</summary>
    public double MinSuccessRate { get; init; } = 0.5;

    /// <summary>
    /// A model whose median successful latency is more than this many times the fastest reliable other candidate's
    /// (and at least <see cref="MinSlowGapMs"/> slower) is demoted behind the others that are not. Default 4.
    /// </summary>
    public double SlowFactor { get; init; } = 4;

    /// <summary>Smallest median latency difference, in milliseconds, that can make a model count as slow. Default 500.</summary>
    public double MinSlowGapMs { get; init; } = 500;
}
