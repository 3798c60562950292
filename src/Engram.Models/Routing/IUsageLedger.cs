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

    /// <summary>Total <see cref="UsageEntry.CostUsd"/> of entries whose <see cref="UsageEntry.BudgetScope"/> is <paramref name="budgetScope"/>, at any time.</summary>
    /// <remarks>The default sums <see cref="GetEntries"/>; the ledgers in this library query their store instead.</remarks>
    decimal GetScopeSpentUsd(string budgetScope)
    {
        ArgumentException.ThrowIfNullOrEmpty(budgetScope);
        var total = 0m;
        foreach (var entry in GetEntries())
        {
            if (string.Equals(entry.BudgetScope, budgetScope, StringComparison.Ordinal))
            {
                total += entry.CostUsd;
            }
        }

        return total;
    }

    /// <summary>
    /// Atomically checks that the spend recorded for <paramref name="budgetScope"/> (see <see cref="GetScopeSpentUsd"/>)
    /// plus the amounts still reserved for that scope plus <paramref name="amountUsd"/> stays within
    /// <paramref name="capUsd"/>, and if so holds <paramref name="amountUsd"/> until the returned reservation is disposed.
    /// </summary>
    /// <returns>The reservation, or null when it would pass the cap.</returns>
    /// <remarks>
    /// Callers record the actual usage (with <see cref="UsageEntry.BudgetScope"/> set) before disposing the reservation.
    /// The default keeps the reservations in memory per ledger instance, atomic among callers of this method in one
    /// process; the ledgers in this library implement it under their own lock.
    /// </remarks>
    IDisposable? TryReserveScope(string budgetScope, decimal amountUsd, decimal capUsd) =>
        ScopeReservations.For(this).TryReserve(budgetScope, amountUsd, capUsd, () => GetScopeSpentUsd(budgetScope));
}
