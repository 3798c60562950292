using System.Globalization;
using Engram.Core.Indexing;
using Engram.Files;
using Engram.LanguageServer.Protocol;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace Engram.LanguageServer.Server;

internal sealed partial class EngramLanguageServer
{
    private readonly Lock _indexGate = new();
    private readonly List<System.IO.FileSystemWatcher> _gitWatchers = [];
    private CancellationTokenSource? _indexDebounce;
    private volatile IReadOnlyList<IndexReport> _lastReports = [];
    private volatile string? _indexError;
    private long _lastStatusTicks;

    [JsonRpcMethod("workspace/didChangeWatchedFiles", UseSingleObjectParameterDeserialization = true)]
    public void DidChangeWatchedFiles(DidChangeWatchedFilesParams? parameters)
    {
        if (parameters?.Changes is not { Count: > 0 } changes || Workspace is not { } workspace)
        {
            return;
        }

        var relevant = false;
        foreach (var change in changes)
        {
            if (LspUris.ToPath(change?.Uri) is not { } path || workspace.FindRoot(path) is null
                || path.Contains($"{Path.DirectorySeparatorChar}.git{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            relevant = true;
            UpdateCompletionFromDisk(change!.Uri, path, change.Type);
        }

        if (relevant && _settings.IndexAutoUpdate)
        {
            RequestIndexUpdate(_options.IndexDebounce);
        }
    }

    [JsonRpcMethod("workspace/didChangeConfiguration", UseSingleObjectParameterDeserialization = true)]
    public void DidChangeConfiguration(DidChangeConfigurationParams? parameters)
    {
        if (parameters?.Settings is { ValueKind: System.Text.Json.JsonValueKind.Object } settings)
        {
            _settings = _settings.Merge(settings);
        }

        // Pull clients send null settings and expect the server to ask.
        RunInBackground("configuration", PullConfigurationAsync);
    }

    [JsonRpcMethod("workspace/didChangeWorkspaceFolders", UseSingleObjectParameterDeserialization = true)]
    public void DidChangeWorkspaceFolders(DidChangeWorkspaceFoldersParams? parameters)
    {
        if (parameters?.Event is not { } change || Workspace is not { } workspace)
        {
            return;
        }

        foreach (var folder in change.Removed ?? [])
        {
            if (LspUris.ToPath(folder?.Uri) is { } path)
            {
                workspace.RemoveRoot(path);
            }
        }

        foreach (var folder in change.Added ?? [])
        {
            if (LspUris.ToPath(folder?.Uri) is { } path)
            {
                try
                {
                    workspace.AddRoot(path);
                }
                catch (DirectoryNotFoundException ex)
                {
                    _logger.LogWarning("{Message}", ex.Message);
                }
            }
        }

        StopGitWatchers();
        StartGitWatchers();
        if (_settings.IndexAutoUpdate)
        {
            RequestIndexUpdate(TimeSpan.Zero);
        }

        if (_options.TrainCompletionModel)
        {
            RunInBackground("completion training", TrainCompletionModelAsync);
        }
    }

    /// <summary>Starts a background index update after <paramref name="delay"/> of quiet (each call restarts the wait).</summary>
    internal void RequestIndexUpdate(TimeSpan delay)
    {
        CancellationTokenSource debounce;
        lock (_indexGate)
        {
            _indexDebounce?.Cancel();
            _indexDebounce?.Dispose();
            _indexDebounce = debounce = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        }

        var token = debounce.Token;
        RunInBackground("index update", async lifetime =>
        {
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await UpdateIndexAsync(lifetime).ConfigureAwait(false);
        });
    }

    /// <summary>Updates every root's index with <c>$/progress</c> and engram/status; returns the reports.</summary>
    internal async Task<IReadOnlyList<IndexReport>> UpdateIndexAsync(CancellationToken cancellationToken)
    {
        var workspace = Workspace ?? throw Error(LspErrorCodes.RequestFailed, "No workspace.");
        if (workspace.Roots.Count == 0)
        {
            return [];
        }

        var progress = await Client.BeginProgressAsync("Engram: indexing", null, cancellationToken).ConfigureAwait(false);
        SendStatus(force: true, indexing: true);
        try
        {
            var reports = await workspace.UpdateIndexAsync(
                new Progress<IndexProgress>(p => progress.Report($"{p.Phase} {p.Done}/{p.Total}", p.Total > 0 ? p.Done * 100 / p.Total : null)),
                cancellationToken).ConfigureAwait(false);
            _indexError = null;
            progress.End(string.Create(CultureInfo.InvariantCulture, $"{reports.Sum(r => r.Files)} files, {reports.Sum(r => r.Chunks)} chunks"));
            return reports;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _indexError = ex.Message;
            progress.End("failed: " + ex.Message);
            throw;
        }
        finally
        {
            progress.End();
            SendStatus(force: true, indexing: false);
        }
    }

    private void OnIndexUpdated(object? sender, IReadOnlyList<IndexReport> reports)
    {
        _lastReports = reports;
        DropSavedOverlays();
    }

    private void UpdateCompletionFromDisk(string uri, string path, int type)
    {
        if (_completionModel is not { } model || _documents.Get(uri) is not null)
        {
            return;
        }

        try
        {
            if (type == FileChangeType.Deleted)
            {
                model.RemoveDocument(path);
            }
            else if (File.Exists(path))
            {
                var root = Workspace?.Roots.FirstOrDefault(r => path.StartsWith(r.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal));
                model.SetDocument(path, WorkspaceFile.ReadAllText(path, root, IndexOptions.Default.MaxFileBytes));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogDebug("Completion model not updated from {Path}: {Message}", path, ex.Message);
        }
    }

    private async Task RegisterWatchedFilesAsync(CancellationToken cancellationToken)
    {
        if (!Client.SupportsWatchedFilesRegistration)
        {
            return;
        }

        var registration = new Registration("engram-watched-files", "workspace/didChangeWatchedFiles",
            new DidChangeWatchedFilesRegistrationOptions([new Protocol.FileSystemWatcher("**/*")]));
        await Client.RequestAsync<object?>("client/registerCapability", new RegistrationParams([registration]), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Watches <c>.git/HEAD</c> and <c>.git/refs</c> of each root: a checkout, commit or pull triggers an index update.</summary>
    private void StartGitWatchers()
    {
        foreach (var root in Workspace?.Roots ?? [])
        {
            if (GitDirectoryOf(root) is not { } gitDirectory)
            {
                continue;
            }

            try
            {
                var watcher = new System.IO.FileSystemWatcher(gitDirectory)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.DirectoryName,
                };
                FileSystemEventHandler handler = (_, e) => OnGitChange(gitDirectory, e.FullPath);
                watcher.Changed += handler;
                watcher.Created += handler;
                watcher.Deleted += handler;
                watcher.Renamed += (_, e) => OnGitChange(gitDirectory, e.FullPath);
                watcher.EnableRaisingEvents = true;
                lock (_gitWatchers)
                {
                    _gitWatchers.Add(watcher);
                }
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
            {
                _logger.LogWarning("Cannot watch {Folder}: {Message}", gitDirectory, ex.Message);
            }
        }
    }

    /// <summary>The git directory of a root: <c>.git</c>, or the folder a <c>.git</c> file points to (worktrees, submodules); null outside git.</summary>
    private static string? GitDirectoryOf(string root)
    {
        var dotGit = Path.Combine(root, ".git");
        if (Directory.Exists(dotGit))
        {
            return dotGit;
        }

        if (!File.Exists(dotGit))
        {
            return null;
        }

        try
        {
            var line = WorkspaceFile.ReadAllText(dotGit, null, 64 * 1024).Split('\n')[0];
            if (!line.StartsWith("gitdir:", StringComparison.Ordinal))
            {
                return null;
            }

            var target = Path.GetFullPath(line["gitdir:".Length..].Trim(), root);
            return Directory.Exists(target) ? target : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void OnGitChange(string gitDirectory, string fullPath)
    {
        var relative = Path.GetRelativePath(gitDirectory, fullPath).Replace('\\', '/');
        if ((relative == "HEAD" || relative.StartsWith("refs/", StringComparison.Ordinal)) && _settings.IndexAutoUpdate && _state == ServerState.Initialized)
        {
            RequestIndexUpdate(_options.IndexDebounce);
        }
    }

    private void StopGitWatchers()
    {
        lock (_gitWatchers)
        {
            foreach (var watcher in _gitWatchers)
            {
                watcher.Dispose();
            }

            _gitWatchers.Clear();
        }
    }

    /// <summary>The engram/status payload (also the result of <c>engram.status</c>).</summary>
    internal EngramStatus BuildStatus(bool? indexing = null)
    {
        var workspace = Workspace;
        var statuses = workspace?.GetStatus() ?? [];
        var updating = indexing ?? workspace?.IsUpdating ?? false;
        var error = _indexError ?? statuses.Select(s => s.Error).FirstOrDefault(e => e is not null);
        var state = error is not null ? "error" : updating ? "indexing" : statuses.Any(s => s.Indexed) ? "ready" : "none";
        var files = _lastReports.Sum(r => r.Files);
        var chunks = statuses.Sum(s => s.Chunks);
        ModelDefinition? model = null;
        decimal cost = 0;
        if (Models is { } models)
        {
            model = (_settings.ModelName is { } chosen ? models.Config.FindModel(chosen) : null)
                ?? CapabilityRouter.Rank(models.Config, ModelTask.Inline).FirstOrDefault()
                ?? CapabilityRouter.Rank(models.Config, ModelTask.CodeAction).FirstOrDefault();
            cost = models.Config.Models.Count > 0 ? TodayCost(models) : 0;
        }

        return new EngramStatus(
            new EngramIndexStatus(state, files, chunks, error),
            new EngramModelStatus(model?.Name, model is not null && model.Provider is ModelProvider.LocalGguf or ModelProvider.Ollama or ModelProvider.Onnx),
            cost);
    }

    /// <summary>Sends engram/status; unforced sends (after model calls) are limited to one a second.</summary>
    internal void SendStatus(bool force, bool? indexing = null)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastStatusTicks);
        if (!force && now - last < 1000)
        {
            return;
        }

        Interlocked.Exchange(ref _lastStatusTicks, now);
        try
        {
            Client.Notify("engram/status", BuildStatus(indexing));
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            _logger.LogDebug("Status not sent: {Message}", ex.Message);
        }
    }

    private static decimal TodayCost(Features.Hosting.EngramModels models)
    {
        var today = DateTimeOffset.UtcNow.Date;
        try
        {
            return models.Ledger.GetSpentUsd(new DateTimeOffset(today, TimeSpan.Zero), new DateTimeOffset(today.AddDays(1), TimeSpan.Zero));
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            return 0;
        }
    }
}
