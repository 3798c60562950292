using System.Runtime.CompilerServices;

namespace Engram.Models.Routing;

// The in-flight budget-scope reservations of one ledger that does not implement IUsageLedger.TryReserveScope itself.
internal sealed class ScopeReservations
{
    private static readonly ConditionalWeakTable<IUsageLedger, ScopeReservations> s_byLedger = [];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, decimal> _reserved = new(StringComparer.Ordinal);

    public static ScopeReservations For(IUsageLedger ledger) => s_byLedger.GetValue(ledger, static _ => new ScopeReservations());

    public IDisposable? TryReserve(string scope, decimal amountUsd, decimal capUsd, Func<decimal> spent)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        ArgumentOutOfRangeException.ThrowIfNegative(amountUsd);
        lock (_lock)
        {
            var committed = spent() + _reserved.GetValueOrDefault(scope);
            if (committed + amountUsd > capUsd)
            {
                return null;
            }

            _reserved[scope] = _reserved.GetValueOrDefault(scope) + amountUsd;
            return new Reservation(this, scope, amountUsd);
        }
    }

    private void Release(string scope, decimal amountUsd)
    {
        lock (_lock)
        {
            var left = _reserved.GetValueOrDefault(scope) - amountUsd;
            if (left <= 0)
            {
                _reserved.Remove(scope);
            }
            else
            {
                _reserved[scope] = left;
            }
        }
    }

    private sealed class Reservation(ScopeReservations owner, string scope, decimal amountUsd) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(scope, amountUsd);
            }
        }
    }
}
