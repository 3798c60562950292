using System.Collections.Concurrent;
using Engram.Models.Configuration;

namespace Engram.Models.Tests.Configuration;

public sealed class ConfigWatcherTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);

    private const string OneModel = """
        { "models": [ { "name": "first", "provider": "ollama", "capabilities": ["chat"] } ] }
        """;

    private const string Broken = """
        {
          "models": [
            { "name": "first", "provider": "nonsense", "capabilities": ["chat"] }
          ]
        }
        """;

    private const string TwoModels = """
        {
          "models": [
            { "name": "first", "provider": "ollama", "capabilities": ["chat"] },
            { "name": "second", "provider": "ollama", "capabilities": ["chat"] }
          ]
        }
        """;

    [Fact]
    public async Task BrokenFileKeepsLastGoodConfigAndFixedFileReplacesIt()
    {
        using var folder = new TempFolder();
        var user = folder.Write("user/engram.json", OneModel);
        var workspace = Path.Combine(folder.Path, "ws", ".engram", "engram.json");
        var errors = new ConcurrentQueue<ConfigException>();
        using var watcher = new ConfigWatcher(user, workspace, TimeSpan.FromMilliseconds(20), new WorkspaceTrustContext(TrustedByClient: true));
        watcher.ReloadFailed += errors.Enqueue;

        Assert.Equal(["first"], watcher.Current.Models.Select(m => m.Name));
        Assert.Null(watcher.LastError);

        folder.Write("ws/.engram/engram.json", Broken);
        await PollAsync(() => !errors.IsEmpty);

        var error = Assert.Single(errors);
        Assert.Equal(workspace, error.FilePath);
        Assert.Equal(3, error.Line);
        Assert.Same(error, watcher.LastError);
        Assert.Equal(["first"], watcher.Current.Models.Select(m => m.Name));

        folder.Write("ws/.engram/engram.json", TwoModels);
        await PollAsync(() => watcher.Current.Models.Count == 2);

        Assert.Equal(["first", "second"], watcher.Current.Models.Select(m => m.Name));
        Assert.Null(watcher.LastError);
    }

    [Fact]
    public async Task ReloadedEventCarriesTheNewConfig()
    {
        using var folder = new TempFolder();
        var path = folder.Write("engram.json", OneModel);
        var seen = new ConcurrentQueue<EngramConfig>();
        using var watcher = new ConfigWatcher(path, null, TimeSpan.FromMilliseconds(20));
        watcher.Reloaded += seen.Enqueue;

        File.WriteAllText(path, TwoModels);
        await PollAsync(() => seen.Any(c => c.Models.Count == 2));

        Assert.Same(watcher.Current, seen.Last(c => c.Models.Count == 2));
    }

    [Fact]
    public async Task PollingNoticesAChangeWhenFileSystemEventsAreLost()
    {
        using var folder = new TempFolder();
        var path = folder.Write("engram.json", OneModel);
        var seen = new ConcurrentQueue<EngramConfig>();
        using var watcher = new ConfigWatcher(path, null, TimeSpan.FromMilliseconds(20), watchFileSystem: false);
        watcher.Reloaded += seen.Enqueue;

        File.WriteAllText(path, TwoModels);
        await PollAsync(() => seen.Any(c => c.Models.Count == 2));

        Assert.Equal(2, watcher.Current.Models.Count);
    }

    [Fact]
    public async Task TrustingTheWorkspaceInTheUserFileTakesEffectOnTheNextReload()
    {
        using var folder = new TempFolder();
        var user = folder.Write("user/engram.json", OneModel);
        var workspace = folder.Write("ws/.engram/engram.json", TwoModels);
        using var watcher = new ConfigWatcher(user, workspace, TimeSpan.FromMilliseconds(20));

        Assert.Equal(["first"], watcher.Current.Models.Select(m => m.Name));
        Assert.False(watcher.Current.Workspace!.Trusted);
        Assert.Equal(["$.models[1] \"second\": a model you have not configured (ollama)"], watcher.Current.Workspace.Ignored);

        ConfigFileEditor.Update(user, _ => [new ConfigEdit(["trustedFolders"], new System.Text.Json.Nodes.JsonArray(Path.Combine(folder.Path, "ws")))]);
        await PollAsync(() => watcher.Current.Models.Count == 2);

        Assert.Equal(["first", "second"], watcher.Current.Models.Select(m => m.Name));
        Assert.Equal(Path.Combine(folder.Path, "ws"), watcher.Current.Workspace!.TrustedFolder);
    }

    [Fact]
    public void InitialBrokenFileLeavesEmptyConfigAndReportsTheError()
    {
        using var folder = new TempFolder();
        var path = folder.Write("engram.json", Broken);

        using var watcher = new ConfigWatcher(path, null);

        Assert.Same(EngramConfig.Empty, watcher.Current);
        Assert.Equal((path, 3), (watcher.LastError?.FilePath, watcher.LastError?.Line));
    }

    // Bounded polling: file notifications arrive on their own threads after an unknown (usually short) delay.
    private static async Task PollAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within " + s_timeout);
            await Task.Delay(10);
        }
    }
}
