namespace Engram.Models.Routing;

/// <summary>Records every model call with its tokens, cost, latency and outcome; budgets read today's spend from it.</summary>
/// <remarks>Implementations must be thread-safe: decorators on concurrent requests record into one ledger.</remarks>
public interface IUsageLedger
{
    /// <summary>Appends <paramref name="entry"/>.</summary>
    void Record(UsageEntry entry);

    /// <summary>Total <see cref="UsageEntry.CostUsd"/> of entries with <paramref name="fromUtc"/> ≤ timestamp &lt; <paramref name="toUtc"/>.</summary>
    decimal GetSpentUsd(DateTimeOffset fromUtc, DateTimeOffset toUtc);

    /// <summary>A snapshot of all entries in recording order.</summary>
    IReadOnlyList<UsageEntry> GetEntries();

    /// <summary>
    /// Atomically checks that the spend recorded in [<paramref name="fromUtc"/>, <paramref name="toUtc"/>) plus the
    /// amounts still reserved for that same window plus <paramref name="amountUsd"/> stays within
    /// <paramref name="capUsd"/>, and if so holds <paramref name="amountUsd"/> until the returned reservation is disposed.
    /// </summary>
    /// <returns>The reservation, or null when it would pass the cap.</returns>
    /// <remarks>Callers record the actual usage before disposing the reservation, so a call is never counted zero times.</remarks>
    IDisposable? TryReserve(DateTimeOffset fromUtc, DateTimeOffset toUtc, decimal amountUsd, decimal capUsd);
}
