using System.Text.Json;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Features.Hosting;

/// <summary>Settings of a <see cref="ReloadingEngramModels"/>.</summary>
public sealed record ReloadingEngramModelsOptions
{
    /// <summary>
    /// The usage ledger shared by every generation; null opens the SQLite ledger at
    /// <see cref="EngramModels.UsageLedgerPath"/> on first use (and closes it with the holder). A ledger passed here
    /// stays the caller's: the holder never disposes it.
    /// </summary>
    public IUsageLedger? Ledger { get; init; }

    /// <summary>Creates a model's provider client; null uses <see cref="EngramModels.CreateClient"/>.</summary>
    public Func<ModelDefinition, IChatClient>? ClientFactory { get; init; }

    /// <summary>Router options (time provider, retries) of every generation, or null for the defaults.</summary>
    public ModelRouterOptions? RouterOptions { get; init; }

    /// <summary>Quiet time after the last file change before reloading (default 200 ms).</summary>
    public TimeSpan? Debounce { get; init; }

    /// <summary>
    /// How long a replaced generation stays usable for calls that read <see cref="ReloadingEngramModels.Current"/>
    /// before the reload (default 2 minutes); a generation held by a <see cref="ReloadingEngramModels.Acquire"/>
    /// lease is disposed only after its last lease ends.
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// True when the host's client vouches for the workspace for this session (an editor that runs its own trust
    /// check, such as VS Code's Workspace Trust): its <c>.engram/engram.json</c> is then honoured in full, like a folder
    /// in the user's <c>trustedFolders</c>. Never set this from a workspace's own files.
    /// </summary>
    public bool TrustedByClient { get; init; }
}

/// <summary>
/// The current <see cref="EngramModels"/> of a workspace, kept in step with the user and workspace <c>engram.json</c>
/// through a <see cref="ConfigWatcher"/>: a valid edit builds a new generation and swaps it in atomically; an invalid
/// one keeps the previous configuration and raises <see cref="ReloadFailed"/>.
/// </summary>
/// <remarks>
/// <para>Workspace trust is applied on every load: an untrusted workspace file only narrows the user's configuration
/// (<see cref="EngramModels.Trust"/>); trusting the folder (<c>engram trust PATH</c> edits the user file, which is
/// watched) takes effect with the next generation. <see cref="TakeTrustNotice"/> gives hosts the one report to show.</para>
/// <para>Thread-safe. Every generation records into one shared <see cref="IUsageLedger"/>, so budgets and usage carry
/// over a reload and disposing an old generation never closes the ledger under calls still in flight.</para>
/// <para>A replaced generation is disposed after <see cref="ReloadingEngramModelsOptions.GracePeriod"/> and once no
/// lease from <see cref="Acquire"/> holds it. Events are raised on the watcher's timer thread (or the caller of
/// <see cref="Reload"/>) after <see cref="Current"/> / <see cref="LastError"/> changed; a handler that throws is
/// ignored.</para>
/// </remarks>
public sealed class ReloadingEngramModels : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string _workspaceRoot;
    private readonly string? _userConfigPath;
    private readonly string? _workspaceConfigPath;
    private readonly ReloadingEngramModelsOptions _options;
    private readonly SharedLedger _ledger;
    private readonly ConfigWatcher _watcher;
    private readonly List<Generation> _retired = [];
    private Generation _current;
    private string? _fingerprint;
    private bool _disposed;
    private int _generations;
    private int _trustNoticeTaken;

    /// <summary>Loads and watches <paramref name="userConfigPath"/> layered under <paramref name="workspaceConfigPath"/>.</summary>
    /// <param name="workspaceRoot">Full path of the workspace folder.</param>
    /// <param name="userConfigPath">The user-level file (may not exist yet), or null to use none.</param>
    /// <param name="workspaceConfigPath">The workspace file (may not exist yet), or null to use none.</param>
    /// <param name="options">Ledger, client factory, debounce and grace period; null for the defaults.</param>
    /// <remarks>An invalid file at start leaves <see cref="Current"/> on <see cref="EngramConfig.Empty"/> with <see cref="LastError"/> set; nothing throws.</remarks>
    public ReloadingEngramModels(string workspaceRoot, string? userConfigPath, string? workspaceConfigPath, ReloadingEngramModelsOptions? options = null)
    {
        _workspaceRoot = workspaceRoot;
        _userConfigPath = userConfigPath;
        _workspaceConfigPath = workspaceConfigPath;
        _options = options ?? new ReloadingEngramModelsOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.GracePeriod, TimeSpan.Zero, nameof(options));
        _ledger = new SharedLedger(_options.Ledger);
        _watcher = new ConfigWatcher(userConfigPath, workspaceConfigPath, _options.Debounce, new WorkspaceTrustContext(workspaceRoot, _options.TrustedByClient));
        _current = new Generation(Build(_watcher.Current));
        _fingerprint = Fingerprint(_watcher.Current);
        _generations = _watcher.LastError is null ? 1 : 0;
        _watcher.Reloaded += OnReloaded;
        _watcher.ReloadFailed += OnReloadFailed;
    }

    /// <summary>A valid configuration was loaded and is now <see cref="Current"/>; the argument is the new generation.</summary>
    public event Action<EngramModels>? Reloaded;

    /// <summary>
    /// A configuration file is invalid; <see cref="Current"/> is unchanged. The exception's message names the file,
    /// line, column and JSON path (<c>FILE:LINE:COLUMN: JSONPATH: PROBLEM</c>).
    /// </summary>
    public event Action<ConfigException>? ReloadFailed;

    /// <summary>
    /// Watches the default files of <paramref name="workspaceRoot"/>: <see cref="EngramConfigLoader.GetUserConfigPath"/>
    /// and <see cref="EngramConfigLoader.GetWorkspaceConfigPath"/>.
    /// </summary>
    public static ReloadingEngramModels Start(string workspaceRoot, ReloadingEngramModelsOptions? options = null) =>
        new(workspaceRoot, EngramConfigLoader.GetUserConfigPath(), EngramConfigLoader.GetWorkspaceConfigPath(workspaceRoot), options);

    /// <summary>The generation in force. Callers that keep it longer than the grace period should <see cref="Acquire"/> it instead.</summary>
    public EngramModels Current
    {
        get
        {
            lock (_lock)
            {
                return _current.Models;
            }
        }
    }

    /// <summary>The error of the latest load (the previous configuration is still in force), or null when it succeeded.</summary>
    public ConfigException? LastError => _watcher.LastError;

    /// <summary>The usage ledger every generation shares (opened on first use when the holder opens it).</summary>
    public IUsageLedger Ledger => _ledger;

    /// <summary>Number of valid loads so far, the first one included (0 when the initial load failed and none succeeded since).</summary>
    public int Generations => Volatile.Read(ref _generations);

    /// <summary>Replaced generations not disposed yet (waiting for the grace period or a lease).</summary>
    public int RetiredCount
    {
        get
        {
            lock (_lock)
            {
                return _retired.Count;
            }
        }
    }

    /// <summary>
    /// Pins <see cref="Current"/> until the returned lease is disposed (long operations such as dialogues); a
    /// reload meanwhile does not dispose the pinned generation before the lease ends.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The holder was disposed.</exception>
    public Lease Acquire()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _current.Leases++;
            return new Lease(this, _current);
        }
    }

    /// <summary>
    /// The trust state of the generation in force when it ignored part of an untrusted workspace file, the first time
    /// this is asked (hosts ask after their client is ready and after each <see cref="Reloaded"/>, and report it once:
    /// a reload does not repeat it); null otherwise. The state itself stays readable on
    /// <see cref="EngramModels.Trust"/>.
    /// </summary>
    public WorkspaceTrustState? TakeTrustNotice()
    {
        var state = Current.Trust;
        return state is { Restricted: true } && Interlocked.CompareExchange(ref _trustNoticeTaken, 1, 0) == 0 ? state : null;
    }

    /// <summary>Loads the files now (what the watcher does after a change) and raises <see cref="Reloaded"/> or <see cref="ReloadFailed"/>.</summary>
    public void Reload() => _watcher.Reload();

    /// <summary>Stops watching and disposes every generation (leases or not) and the ledger the holder opened.</summary>
    public void Dispose()
    {
        _watcher.Reloaded -= OnReloaded;
        _watcher.ReloadFailed -= OnReloadFailed;
        _watcher.Dispose();
        List<Generation> all;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            all = [.. _retired, _current];
            _retired.Clear();
        }

        foreach (var generation in all)
        {
            generation.Models.Dispose();
        }

        _ledger.Dispose();
    }

    private EngramModels Build(EngramConfig config) => EngramModels.FromFiles(_workspaceRoot, EngramModels.Discover(config), _userConfigPath, _workspaceConfigPath, _ledger, _options.ClientFactory, _options.RouterOptions);

    private void OnReloaded(EngramConfig config)
    {
        Generation old;
        Generation next;
        lock (_lock)
        {
            // A save that changes nothing (or a folder created beside a watched file) keeps the running generation.
            var fingerprint = Fingerprint(config);
            if (_disposed || (fingerprint is not null && fingerprint == _fingerprint))
            {
                return;
            }

            _fingerprint = fingerprint;
            next = new Generation(Build(config));
            old = _current;
            _current = next;
            _retired.Add(old);
            _generations++;
        }

        ScheduleRetirement(old);
        Raise(() => Reloaded?.Invoke(next.Models));
    }

    /// <summary>The configuration's content as JSON (in memory only; keys are never part of it), or null when it cannot be serialised.</summary>
    private static string? Fingerprint(EngramConfig config)
    {
        try
        {
            return JsonSerializer.Serialize(config);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException)
        {
            return null;
        }
    }

    private void OnReloadFailed(ConfigException error)
    {
        lock (_lock)
        {
            // After an error, the next valid load is announced even when it restores the running configuration.
            _fingerprint = null;
        }

        Raise(() => ReloadFailed?.Invoke(error));
    }

    private void ScheduleRetirement(Generation old)
    {
        if (_options.GracePeriod == TimeSpan.Zero)
        {
            Expire(old);
            return;
        }

        _ = Task.Delay(_options.GracePeriod).ContinueWith(_ => Expire(old), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private void Expire(Generation old)
    {
        lock (_lock)
        {
            old.Expired = true;
        }

        DisposeIfUnused(old);
    }

    private void Release(Generation generation)
    {
        lock (_lock)
        {
            generation.Leases--;
        }

        DisposeIfUnused(generation);
    }

    private void DisposeIfUnused(Generation generation)
    {
        lock (_lock)
        {
            if (!generation.Expired || generation.Leases > 0 || !_retired.Remove(generation))
            {
                return;
            }
        }

        generation.Models.Dispose();
    }

    private static void Raise(Action raise)
    {
        try
        {
            raise();
        }
#pragma warning disable CA1031 // A subscriber's failure must not stop the reload nor the watcher's timer.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Pins one generation of <see cref="ReloadingEngramModels"/>; dispose it when the operation ends.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly ReloadingEngramModels _owner;
        private readonly Generation _generation;
        private int _released;

        internal Lease(ReloadingEngramModels owner, Generation generation)
        {
            _owner = owner;
            _generation = generation;
        }

        /// <summary>The pinned generation (usable until this lease is disposed).</summary>
        public EngramModels Models => _generation.Models;

        /// <summary>Releases the generation (idempotent).</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _owner.Release(_generation);
            }
        }
    }

    internal sealed class Generation(EngramModels models)
    {
        public EngramModels Models { get; } = models;

        public int Leases { get; set; }

        public bool Expired { get; set; }
    }

    // One ledger for every generation: not IDisposable itself, so EngramModels.Dispose leaves it open.
    private sealed class SharedLedger(IUsageLedger? given) : IUsageLedger
    {
        private readonly Lazy<IUsageLedger> _inner = new(() => given ?? new SqliteUsageLedger(EngramModels.UsageLedgerPath()), LazyThreadSafetyMode.ExecutionAndPublication);

        public void Record(UsageEntry entry) => _inner.Value.Record(entry);

        public decimal GetSpentUsd(DateTimeOffset fromUtc, DateTimeOffset toUtc) => _inner.Value.GetSpentUsd(fromUtc, toUtc);

        public IReadOnlyList<UsageEntry> GetEntries() => _inner.Value.GetEntries();

        public IDisposable? TryReserve(DateTimeOffset fromUtc, DateTimeOffset toUtc, decimal amountUsd, decimal capUsd) =>
            _inner.Value.TryReserve(fromUtc, toUtc, amountUsd, capUsd);

        public decimal GetScopeSpentUsd(string budgetScope) => _inner.Value.GetScopeSpentUsd(budgetScope);

        public IDisposable? TryReserveScope(string budgetScope, decimal amountUsd, decimal capUsd) =>
            _inner.Value.TryReserveScope(budgetScope, amountUsd, capUsd);

        public void Dispose()
        {
            if (given is null && _inner.IsValueCreated && _inner.Value is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }
}
