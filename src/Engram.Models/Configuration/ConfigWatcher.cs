namespace Engram.Models.Configuration;

/// <summary>
/// Keeps the configuration in step with the user and workspace <c>engram.json</c> files: watches both (their folders,
/// or the nearest existing ancestor while a folder does not exist yet), waits for a pause in changes, reloads with
/// <see cref="EngramConfigLoader.LoadLayered(string?, string?, WorkspaceTrustContext?)"/> (an untrusted workspace only
/// narrows the user's configuration; trusting a folder in the user file takes effect on the reload that follows),
/// and publishes either the new configuration or the error.
/// </summary>
/// <remarks>
/// <para>A file that fails to load never replaces <see cref="Current"/>: the last good configuration stays in force
/// and <see cref="ReloadFailed"/> reports the <see cref="ConfigException"/> (which names the file, line and column).
/// When the initial load fails, <see cref="Current"/> is <see cref="EngramConfig.Empty"/> and <see cref="LastError"/> is set.</para>
/// <para>File-system events can be lost (a full inotify instance limit, a watcher error, network file systems), so the
/// files' size and modification time are also polled every <see cref="PollInterval"/> as a safety net.</para>
/// <para>Thread-safe. Reloads run one at a time on a timer thread; the events are raised on that thread, after
/// <see cref="Current"/> / <see cref="LastError"/> have been updated, and a handler that throws is not retried.</para>
/// </remarks>
public sealed class ConfigWatcher : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Lock _reloadLock = new();
    private readonly string?[] _paths;
    private readonly WorkspaceTrustContext? _trust;
    private readonly TimeSpan _debounce;
    private readonly Timer _timer;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _poll;
    private readonly (bool Exists, long Length, long Ticks)[] _signatures;
    private EngramConfig _current = EngramConfig.Empty;
    private ConfigException? _lastError;
    private bool _disposed;

    /// <summary>
    /// Loads the files once and starts watching them; either path may be null (not watched) or name a file that does
    /// not exist yet (its creation is noticed).
    /// </summary>
    /// <param name="userConfigPath">The user-level file, e.g. <see cref="EngramConfigLoader.GetUserConfigPath"/>.</param>
    /// <param name="workspaceConfigPath">The workspace file, e.g. <see cref="EngramConfigLoader.GetWorkspaceConfigPath"/>.</param>
    /// <param name="debounce">Quiet time after the last change before reloading; default 200 ms.</param>
    /// <param name="trust">The workspace folder and whether the host's client vouches for it; null: untrusted unless the user file trusts it.</param>
    public ConfigWatcher(string? userConfigPath, string? workspaceConfigPath, TimeSpan? debounce = null, WorkspaceTrustContext? trust = null)
        : this(userConfigPath, workspaceConfigPath, debounce, watchFileSystem: true, trust)
    {
    }

    /// <summary>As the public constructor; <paramref name="watchFileSystem"/> false relies on polling alone (tests of the safety net).</summary>
    internal ConfigWatcher(string? userConfigPath, string? workspaceConfigPath, TimeSpan? debounce, bool watchFileSystem, WorkspaceTrustContext? trust = null)
    {
        _paths = [userConfigPath is null ? null : Path.GetFullPath(userConfigPath), workspaceConfigPath is null ? null : Path.GetFullPath(workspaceConfigPath)];
        _trust = trust;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(200);
        ArgumentOutOfRangeException.ThrowIfLessThan(_debounce, TimeSpan.Zero, nameof(debounce));
        _timer = new Timer(static state => ((ConfigWatcher)state!).Reload(), this, Timeout.Infinite, Timeout.Infinite);
        _signatures = [.. _paths.Select(Signature)];
        if (watchFileSystem)
        {
            ArmWatchers();
        }

        Reload();
        _poll = new Timer(static state => ((ConfigWatcher)state!).Poll(), this, PollInterval, PollInterval);
    }

    /// <summary>How often the files' size and modification time are compared, in case a file-system event was lost.</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>A reload succeeded; the argument is the new <see cref="Current"/>.</summary>
    public event Action<EngramConfig>? Reloaded;

    /// <summary>A reload failed; <see cref="Current"/> is unchanged. The argument names the file, line and column.</summary>
    public event Action<ConfigException>? ReloadFailed;

    /// <summary>The last configuration that loaded without error (<see cref="EngramConfig.Empty"/> before any did).</summary>
    public EngramConfig Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    /// <summary>The error of the latest load, or null when it succeeded.</summary>
    public ConfigException? LastError
    {
        get
        {
            lock (_lock)
            {
                return _lastError;
            }
        }
    }

    /// <summary>
    /// Loads the files now (also what the watchers do after the debounce) and raises <see cref="Reloaded"/> or
    /// <see cref="ReloadFailed"/>. A file that cannot be read at the moment (being replaced) is retried after the debounce.
    /// </summary>
    public void Reload()
    {
        lock (_reloadLock)
        {
            if (_disposed)
            {
                return;
            }

            EngramConfig config;
            try
            {
                config = EngramConfigLoader.LoadLayered(_paths[0], _paths[1], _trust);
            }
            catch (ConfigException e)
            {
                lock (_lock)
                {
                    _lastError = e;
                }

                ReloadFailed?.Invoke(e);
                return;
            }
            catch (IOException)
            {
                // An editor is still writing or replacing the file; the change that follows (or this retry) reloads it.
                Schedule();
                return;
            }
            catch (UnauthorizedAccessException)
            {
                Schedule();
                return;
            }

            lock (_lock)
            {
                _current = config;
                _lastError = null;
            }

            Reloaded?.Invoke(config);
        }
    }

    /// <summary>Stops watching; no event is raised afterwards.</summary>
    public void Dispose()
    {
        FileSystemWatcher[] watchers;
        lock (_reloadLock)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                watchers = TakeWatchers();
            }
        }

        DisposeAll(watchers);
        _poll.Dispose();
        _timer.Dispose();
    }

    private static (bool Exists, long Length, long Ticks) Signature(string? path)
    {
        if (path is null)
        {
            return default;
        }

        try
        {
            var info = new FileInfo(path);
            return info.Exists ? (true, info.Length, info.LastWriteTimeUtc.Ticks) : default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    private void Poll()
    {
        var changed = false;
        for (var i = 0; i < _paths.Length; i++)
        {
            var now = Signature(_paths[i]);
            lock (_lock)
            {
                if (now != _signatures[i])
                {
                    _signatures[i] = now;
                    changed = true;
                }
            }
        }

        if (changed)
        {
            Schedule();
        }
    }

    private void Schedule()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
            }
        }
    }

    // Watches each file's folder for that file name or, while the folder is missing, the nearest existing ancestor
    // for any creation (re-arming when one appears), so creating .engram/engram.json later is still noticed.
    private void ArmWatchers()
    {
        FileSystemWatcher[] old;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            old = TakeWatchers();
            foreach (var path in _paths.Distinct())
            {
                if (path is null)
                {
                    continue;
                }

                var folder = Path.GetDirectoryName(path)!;
                if (Directory.Exists(folder))
                {
                    var watcher = new FileSystemWatcher(folder, Path.GetFileName(path))
                    {
                        NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                    };
                    watcher.Changed += (_, _) => Schedule();
                    watcher.Created += (_, _) => Schedule();
                    watcher.Deleted += (_, _) => Schedule();
                    watcher.Renamed += (_, _) => Schedule();
                    Start(watcher);
                    continue;
                }

                var ancestor = Path.GetDirectoryName(folder);
                while (ancestor is not null && !Directory.Exists(ancestor))
                {
                    ancestor = Path.GetDirectoryName(ancestor);
                }

                if (ancestor is null)
                {
                    continue;
                }

                var parentWatcher = new FileSystemWatcher(ancestor) { NotifyFilter = NotifyFilters.DirectoryName };
                parentWatcher.Created += (_, _) => OnFolderCreated();
                parentWatcher.Renamed += (_, _) => OnFolderCreated();
                Start(parentWatcher);
            }
        }

        DisposeAll(old);
    }

    private void OnFolderCreated()
    {
        // Re-arm off the watcher's own callback thread: disposing a watcher from inside its handler is not allowed everywhere.
        _ = Task.Run(() =>
        {
            ArmWatchers();
            Schedule();
        });
    }

    private void Start(FileSystemWatcher watcher)
    {
        watcher.Error += (_, _) => OnFolderCreated();
        try
        {
            watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Out of inotify watches, or the folder vanished meanwhile: this file is not watched; Reload still works.
            watcher.Dispose();
            return;
        }

        _watchers.Add(watcher);
    }

    // Watchers are disposed outside the lock: their handlers take it, and disposing may wait for a running handler.
    private FileSystemWatcher[] TakeWatchers()
    {
        FileSystemWatcher[] taken = [.. _watchers];
        _watchers.Clear();
        return taken;
    }

    private static void DisposeAll(FileSystemWatcher[] watchers)
    {
        foreach (var watcher in watchers)
        {
            watcher.Dispose();
        }
    }
}
