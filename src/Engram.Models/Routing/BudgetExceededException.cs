namespace Engram.Models.Routing;

/// <summary>A request was refused before it was sent because its estimated cost would pass a budget cap.</summary>
public sealed class BudgetExceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BudgetExceededException(string model, decimal estimatedCostUsd, decimal capUsd, string capName)
        : base($"Request to model \"{model}\" refused: estimated cost {estimatedCostUsd:0.######} USD would exceed the {capName} budget of {capUsd:0.######} USD.")
    {
        Model = model;
        EstimatedCostUsd = estimatedCostUsd;
        CapUsd = capUsd;
        CapName = capName;
    }

    /// <summary>The model the request was for.</summary>
    public string Model { get; }

    /// <summary>The estimated cost of the request in USD.</summary>
    public decimal EstimatedCostUsd { get; }

    /// <summary>The cap in USD that would be exceeded (for the daily and scope caps: the cap itself, not what is left).</summary>
    public decimal CapUsd { get; }

    /// <summary><c>per-request</c>, <c>daily</c> or <c>scope</c> (a <see cref="BudgetScope"/>'s cap).</summary>
    public string CapName { get; }
}
