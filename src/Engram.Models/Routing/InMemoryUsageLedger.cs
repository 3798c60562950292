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
    private readonly List<Reservation> _reservations = [];

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
            var committed = GetSpentUsd(fromUtc, toUtc);
            foreach (var reservation in _reservations)
            {
                if (reservation.Scope is null && reservation.FromUtc == fromUtc && reservation.ToUtc == toUtc)
                {
                    committed += reservation.AmountUsd;
                }
            }

            if (committed + amountUsd > capUsd)
            {
                return null;
            }

            var created = new Reservation(this, fromUtc, toUtc, amountUsd);
            _reservations.Add(created);
            return created;
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
            var committed = GetScopeSpentUsd(budgetScope);
            foreach (var reservation in _reservations)
            {
                if (string.Equals(reservation.Scope, budgetScope, StringComparison.Ordinal))
                {
                    committed += reservation.AmountUsd;
                }
            }

            if (committed + amountUsd > capUsd)
            {
                return null;
            }

            var created = new Reservation(this, default, default, amountUsd, budgetScope);
            _reservations.Add(created);
            return created;
        }
    }

    /// <summary>The total USD currently reserved and not yet released.</summary>
    public decimal ReservedUsd
    {
        get
        {
            lock (_lock)
            {
                return _reservations.Sum(r => r.AmountUsd);
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

    private void Release(Reservation reservation)
    {
        lock (_lock)
        {
            _reservations.Remove(reservation);
        }
    }

    private sealed class Reservation(InMemoryUsageLedger ledger, DateTimeOffset fromUtc, DateTimeOffset toUtc, decimal amountUsd, string? scope = null) : IDisposable
    {
        private int _released;

        public DateTimeOffset FromUtc => fromUtc;

        public DateTimeOffset ToUtc => toUtc;

        public decimal AmountUsd => amountUsd;

        public string? Scope => scope;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                ledger.Release(this);
            }
        }
    }
}
