namespace Engram.Models.Routing;

/// <summary>An <see cref="IUsageLedger"/> held in memory for the life of the process.</summary>
/// <remarks>
/// Thread-safe (one lock, re-entered by <see cref="TryReserve"/>; every operation is O(entries) at worst). Not persisted: daily budgets reset when the
/// process restarts; hosts that need persistence use <see cref="SqliteUsageLedger"/>.
/// </remarks>
public sealed class InMemoryUsageLedger : IUsageLedger
{
    private readonly Lock _lock = new();
    private readonly List<UsageEntry> _entries = [];
    private readonly ReservationBook _book;

    /// <summary>Creates an empty ledger.</summary>
    public InMemoryUsageLedger()
    {
        _book = new ReservationBook(_lock);
    }

    /// <inheritdoc />
    public void Record(UsageEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            _entries.Add(entry);
        }
    }

    /// <inheritdoc />
    public decimal GetSpentUsd(DateTimeOffset fromUtc, DateTimeOffset toUtc)
    {
        var total = 0m;
        lock (_lock)
        {
            foreach (var entry in _entries)
            {
                if (entry.TimestampUtc >= fromUtc && entry.TimestampUtc < toUtc)
                {
                    total += entry.CostUsd;
                }
            }
        }

        return total;
    }

    /// <inheritdoc />
    public IDisposable? TryReserve(DateTimeOffset fromUtc, DateTimeOffset toUtc, decimal amountUsd, decimal capUsd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amountUsd);
        lock (_lock)
        {
            return _book.TryReserve(fromUtc, toUtc, amountUsd, capUsd, GetSpentUsd(fromUtc, toUtc));
        }
    }

    /// <inheritdoc />
    public decimal GetScopeSpentUsd(string budgetScope)
    {
        ArgumentException.ThrowIfNullOrEmpty(budgetScope);
        var total = 0m;
        lock (_lock)
        {
            foreach (var entry in _entries)
            {
                if (string.Equals(entry.BudgetScope, budgetScope, StringComparison.Ordinal))
                {
                    total += entry.CostUsd;
                }
            }
        }

        return total;
    }

    /// <inheritdoc />
    public IDisposable? TryReserveScope(string budgetScope, decimal amountUsd, decimal capUsd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amountUsd);
        lock (_lock)
        {
            return _book.TryReserveScope(budgetScope, amountUsd, capUsd, GetScopeSpentUsd(budgetScope));
        }
    }

    /// <summary>The total USD currently reserved and not yet released.</summary>
    public decimal ReservedUsd
    {
        get
        {
            lock (_lock)
            {
                return _book.ReservedUsd;
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<UsageEntry> GetEntries()
    {
        lock (_lock)
        {
            return [.. _entries];
        }
    }
}
