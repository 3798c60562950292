namespace Engram.Models.Configuration;

/// <summary>Spending caps in USD: the <c>budgets</c> object of <c>engram.json</c>. A null cap means unlimited.</summary>
public sealed record BudgetDefinition
{
    /// <summary>Maximum spend per UTC calendar day across all tasks and models (<c>dailyUsd</c>, ≥ 0).</summary>
    public decimal? DailyUsd { get; init; }

    /// <summary>Maximum estimated cost of a single request (<c>perRequestUsd</c>, ≥ 0).</summary>
    public decimal? PerRequestUsd { get; init; }
}
