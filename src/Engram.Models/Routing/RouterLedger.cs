using Microsoft.Extensions.Logging;

namespace Engram.Models.Routing;

// The ledger ModelRouter hands its budget decorators: records into the caller's ledger, then feeds the outcome
// tracker and writes one log line per attempt. Logs name the model, outcome, latency and tokens, never content or keys.
internal sealed class RouterLedger(IUsageLedger inner, OutcomeTracker tracker, ILogger? logger) : IUsageLedger
{
    private static readonly Action<ILogger, string, UsageOutcome, double, long, long, Exception?> s_attempt =
        LoggerMessage.Define<string, UsageOutcome, double, long, long>(
            LogLevel.Information,
            new EventId(1, "ModelAttempt"),
            "Model {Model} {Outcome} in {LatencyMs:F0} ms ({InputTokens} input, {OutputTokens} output tokens)");

    public void Record(UsageEntry entry)
    {
        inner.Record(entry);
        tracker.Record(entry);
        if (logger is not null && logger.IsEnabled(LogLevel.Information))
        {
            using (logger.BeginScope(new KeyValuePair<string, object?>[]
            {
                new("CorrelationId", entry.CorrelationId),
                new("Task", entry.Task),
                new("Model", entry.Model),
            }))
            {
                s_attempt(logger, entry.Model, entry.Outcome, entry.LatencyMs, entry.InputTokens, entry.OutputTokens, null);
            }
        }
    }

    public decimal GetSpentUsd(DateTimeOffset fromUtc, DateTimeOffset toUtc) => inner.GetSpentUsd(fromUtc, toUtc);

    public IReadOnlyList<UsageEntry> GetEntries() => inner.GetEntries();

    public IDisposable? TryReserve(DateTimeOffset fromUtc, DateTimeOffset toUtc, decimal amountUsd, decimal capUsd) =>
        inner.TryReserve(fromUtc, toUtc, amountUsd, capUsd);

    public decimal GetScopeSpentUsd(string budgetScope) => inner.GetScopeSpentUsd(budgetScope);

    public IDisposable? TryReserveScope(string budgetScope, decimal amountUsd, decimal capUsd) =>
        inner.TryReserveScope(budgetScope, amountUsd, capUsd);
}
