using System.Collections.Concurrent;

namespace Engram.LanguageServer.Server;

/// <summary>
/// One running request per key (e.g. "inline:" + uri): starting a new one cancels the previous. The token returned
/// is linked to the request's own cancellation (<c>$/cancelRequest</c>).
/// </summary>
internal sealed class SupersedeGate
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);

    public Lease Begin(string key, CancellationToken requestToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(requestToken);
        CancellationTokenSource? previous = null;
        _running.AddOrUpdate(key, source, (_, old) =>
        {
            previous = old;
            return source;
        });
        try
        {
            previous?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The previous request already finished.
        }

        return new Lease(this, key, source);
    }

    /// <summary>A running request: <see cref="Token"/> is cancelled by a newer request for the key or by the client.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly SupersedeGate _gate;
        private readonly string _key;
        private readonly CancellationTokenSource _source;

        public Lease(SupersedeGate gate, string key, CancellationTokenSource source)
        {
            _gate = gate;
            _key = key;
            _source = source;
        }

        public CancellationToken Token => _source.Token;

        public void Dispose()
        {
            _gate._running.TryRemove(new KeyValuePair<string, CancellationTokenSource>(_key, _source));
            _source.Dispose();
        }
    }
}
