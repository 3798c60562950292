using Engram.Features.Dialogue;
using Engram.Features.Hosting;
using Engram.LanguageServer.Protocol;
using Engram.Models.Configuration;
using Microsoft.Extensions.Logging;

namespace Engram.LanguageServer.Server;

/// <summary>Hot reload: <c>engram.json</c> edits (through <see cref="ReloadingEngramModels"/>) and dialogue mode files.</summary>
internal sealed partial class EngramLanguageServer
{
    private const string ConfigErrorKey = "config-error:";
    private readonly List<System.IO.FileSystemWatcher> _modeWatchers = [];

    /// <summary>A valid configuration replaced the previous one: logs it, resets the "no model" notices, sends engram/status.</summary>
    private void OnModelsReloaded(EngramModels models)
    {
        _configError = null;
        var names = string.Join(", ", models.Config.Models.Select(m => m.Name));
        var message = models.Config.Models.Count == 0
            ? "Engram: model configuration reloaded; no models configured."
            : $"Engram: model configuration reloaded; {models.Config.Models.Count} model(s): {names}.";
        _logger.LogInformation("{Message}", message);
        Client.LogMessage(MessageType.Info, message);
        // "Say so once" notices apply per configuration: a model that appears (or disappears) is news again.
        Client.ForgetShownOnce("no-model:");
        Client.ForgetShownOnce(ConfigErrorKey);
        if (_state == ServerState.Initialized)
        {
            ReportWorkspaceTrust();
            SendStatus(force: true);
        }
    }

    /// <summary>
    /// Once per process, when an untrusted workspace's <c>engram.json</c> asked for more than narrowing: a warning
    /// (window/showMessage) naming what was ignored and the command that trusts the folder.
    /// </summary>
    private void ReportWorkspaceTrust()
    {
        if (_reloading?.TakeTrustNotice() is not { Notice: { } notice })
        {
            return;
        }

        var message = "Engram: " + notice + (_clientReportsTrust ? " (or trust the folder in the editor: Workspace Trust)" : "");
        _logger.LogWarning("{Message}", message);
        Client.LogMessage(MessageType.Warning, message);
        Client.ShowMessage(MessageType.Warning, message);
    }

    /// <summary>An edit made a configuration file invalid: the previous configuration stays; shows the error once per distinct message.</summary>
    private void OnModelsReloadFailed(ConfigException error)
    {
        _configError = ConfigErrorMessage(error);
        var message = $"Engram: {error.Message} (the previous model configuration stays in force)";
        _logger.LogWarning("Model configuration not reloaded: {Message}", error.Message);
        Client.LogMessage(MessageType.Warning, message);
        Client.ShowMessageOnce(ConfigErrorKey + error.Message, MessageType.Warning, message);
    }

    /// <summary>Watches the existing dialogue mode folders; a change to a <c>*.json</c> there re-reads the modes on next use.</summary>
    private void StartModeWatchers()
    {
        List<string> directories;
        try
        {
            directories = ModesDirectories();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return;
        }

        lock (_modeWatchers)
        {
            foreach (var directory in directories.Distinct(StringComparer.Ordinal).Where(Directory.Exists))
            {
                var watcher = new System.IO.FileSystemWatcher(directory, "*.json")
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
                };
                watcher.Changed += (_, _) => OnModesChanged();
                watcher.Created += (_, _) => OnModesChanged();
                watcher.Deleted += (_, _) => OnModesChanged();
                watcher.Renamed += (_, _) => OnModesChanged();
                try
                {
                    watcher.EnableRaisingEvents = true;
                    _modeWatchers.Add(watcher);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    _logger.LogDebug("Mode folder {Folder} not watched: {Message}", directory, ex.Message);
                    watcher.Dispose();
                }
            }
        }
    }

    private void OnModesChanged()
    {
        DialogueService? dialogue;
        lock (_dialogueLock)
        {
            dialogue = _dialogue;
        }

        // ReloadModes only drops the parsed catalogue; the files are read again on next use.
        dialogue?.ReloadModes();
    }

    private void StopModeWatchers()
    {
        lock (_modeWatchers)
        {
            foreach (var watcher in _modeWatchers)
            {
                watcher.Dispose();
            }

            _modeWatchers.Clear();
        }
    }
}
