using Engram.Models.Configuration;

namespace Engram.Models.Routing;

/// <summary>One model call in the <see cref="IUsageLedger"/>.</summary>
/// <param name="TimestampUtc">When the call started, UTC.</param>
/// <param name="Task">The feature that asked.</param>
/// <param name="Model">The configured model name.</param>
/// <param name="InputTokens">Input tokens reported by the provider (estimated when it reported none).</param>
/// <param name="OutputTokens">Output tokens reported by the provider (estimated when it reported none).</param>
/// <param name="CostUsd">Cost in USD at the model's configured prices; 0 for refused calls.</param>
/// <param name="LatencyMs">Wall-clock milliseconds from sending to the last byte (or the failure).</param>
/// <param name="Outcome">How the call ended.</param>
public sealed record UsageEntry(
    DateTimeOffset TimestampUtc,
    ModelTask Task,
    string Model,
    long InputTokens,
    long OutputTokens,
    decimal CostUsd,
    double LatencyMs,
    UsageOutcome Outcome)
{
    /// <summary>The id of the request this call served (see <see cref="ModelRouter.CorrelationIdPropertyName"/>), or null.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The <see cref="Routing.BudgetScope.Id"/> the call was charged to, or null.</summary>
    public string? BudgetScope { get; init; }
}
