namespace Engram.Models.Routing;

// The in-flight reservations of one ledger (time-window and budget-scope), shared by the ledgers that implement
// IUsageLedger.TryReserve and TryReserveScope themselves. The owning ledger passes its own lock: it calls TryReserve,
// TryReserveScope, ReservedUsd and Clear while holding that lock (so reading committed spend and adding the reservation
// is one step with respect to Record), and a reservation's Dispose takes the same lock to remove itself.
internal sealed class ReservationBook(Lock gate)
{
    private readonly List<Reservation> _reservations = [];

    // The total USD currently reserved and not yet released. Call under the owner's lock.
    public decimal ReservedUsd => _reservations.Sum(r => r.AmountUsd);

    // Reserves amountUsd in [fromUtc, toUtc) when committed spend plus reservations for that window stays within capUsd.
    public IDisposable? TryReserve(DateTimeOffset fromUtc, DateTimeOffset toUtc, decimal amountUsd, decimal capUsd, decimal committedUsd)
    {
        foreach (var reservation in _reservations)
        {
            if (reservation.Scope is null && reservation.FromUtc == fromUtc && reservation.ToUtc == toUtc)
            {
                committedUsd += reservation.AmountUsd;
            }
        }

        return Add(committedUsd, amountUsd, capUsd, fromUtc, toUtc, scope: null);
    }

    // Reserves amountUsd against budgetScope when committed spend plus that scope's reservations stays within capUsd.
    public IDisposable? TryReserveScope(string budgetScope, decimal amountUsd, decimal capUsd, decimal committedUsd)
    {
        foreach (var reservation in _reservations)
        {
            if (string.Equals(reservation.Scope, budgetScope, StringComparison.Ordinal))
            {
                committedUsd += reservation.AmountUsd;
            }
        }

        return Add(committedUsd, amountUsd, capUsd, default, default, budgetScope);
    }

    // Forgets every reservation still held. Call under the owner's lock.
    public void Clear() => _reservations.Clear();

    private Reservation? Add(decimal committedUsd, decimal amountUsd, decimal capUsd, DateTimeOffset fromUtc, DateTimeOffset toUtc, string? scope)
    {
        if (committedUsd + amountUsd > capUsd)
        {
            return null;
        }

        var created = new Reservation(this, fromUtc, toUtc, amountUsd, scope);
        _reservations.Add(created);
        return created;
    }

    private void Release(Reservation reservation)
    {
        lock (gate)
        {
            _reservations.Remove(reservation);
        }
    }

    private sealed class Reservation(ReservationBook book, DateTimeOffset fromUtc, DateTimeOffset toUtc, decimal amountUsd, string? scope) : IDisposable
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
                book.Release(this);
            }
        }
    }
}
