using Engram.Models.Configuration;
using Engram.Tests.Support;

namespace Engram.Models.Tests.Configuration;

/// <summary>
/// A workspace's <c>.engram/engram.json</c> is read under the workspace's path rules (issue 11, items 2 and 5): a link
/// out of the root, a named pipe, a device or an oversized file is a configuration error naming the file, at once.
/// </summary>
public sealed class ConfigFileRulesTests
{
    private static readonly TimeSpan s_quickly = TimeSpan.FromSeconds(15);

    private const string OneModel = """
        { "models": [ { "name": "first", "provider": "ollama", "capabilities": ["chat"] } ] }
        """;

    [Theory]
    [InlineData("a link to a file outside the workspace", "outside the workspace root")]
    [InlineData("a link to /dev/zero", "outside the workspace root")]
    [InlineData("a .engram folder that is a link out of the workspace", "outside the workspace root")]
    [InlineData("a named pipe", "named pipe (FIFO)")]
    [InlineData("a file over 1 MiB", "over the limit of 1048576 bytes")]
    public async Task A_hostile_workspace_file_is_a_config_error_naming_it(string setup, string reason)
    {
        using var folder = new TempFolder();
        var root = Path.Combine(folder.Path, "ws");
        var outside = Path.Combine(folder.Path, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "engram.json"), OneModel);
        var path = EngramConfigLoader.GetWorkspaceConfigPath(root);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetDirectoryName(path)!)!);
        switch (setup)
        {
            case "a .engram folder that is a link out of the workspace":
                Directory.CreateSymbolicLink(Path.GetDirectoryName(path)!, outside);
                break;
            case "a link to a file outside the workspace":
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.CreateSymbolicLink(path, Path.Combine(outside, "engram.json"));
                break;
            case "a link to /dev/zero":
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.CreateSymbolicLink(path, "/dev/zero");
                break;
            case "a named pipe":
                SpecialFiles.MakeFifo(path);
                break;
            default:
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, "{ \"models\": [] }" + new string(' ', 1024 * 1024));
                break;
        }

        var error = await Task.Run(() => Assert.Throws<ConfigException>(() => EngramConfigLoader.LoadLayered(null, path))).WaitAsync(s_quickly);

        Assert.Equal(path, error.FilePath);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(path + ":1:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_watcher_reports_a_link_swapped_in_once_and_keeps_the_last_good_configuration()
    {
        using var folder = new TempFolder();
        var path = folder.Write("ws/.engram/engram.json", OneModel);
        var outside = folder.Write("outside/engram.json", OneModel.Replace("first", "second", StringComparison.Ordinal));
        // A trusted workspace, so that its own model shows in the configuration.
        var user = folder.Write("user/engram.json", $$"""{ "trustedFolders": [{{System.Text.Json.JsonSerializer.Serialize(Path.Combine(folder.Path, "ws"))}}] }""");
        var failed = new TaskCompletionSource<ConfigException>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new ConfigWatcher(user, path, TimeSpan.FromMilliseconds(20));
        watcher.ReloadFailed += e => failed.TrySetResult(e);
        Assert.Equal(["first"], watcher.Current.Models.Select(m => m.Name));

        File.Delete(path);
        File.CreateSymbolicLink(path, outside);
        var error = await failed.Task.WaitAsync(s_quickly);

        Assert.Contains("outside the workspace root", error.Message, StringComparison.Ordinal);
        Assert.Equal(["first"], watcher.Current.Models.Select(m => m.Name));
    }

    [Fact]
    public void The_users_own_file_may_be_a_link()
    {
        // Dotfiles: ~/.config/engram/engram.json linked from a repository of the user's is not a workspace's file.
        using var folder = new TempFolder();
        var target = folder.Write("dotfiles/engram.json", OneModel);
        var user = Path.Combine(folder.Path, "config", "engram", "engram.json");
        Directory.CreateDirectory(Path.GetDirectoryName(user)!);
        File.CreateSymbolicLink(user, target);

        Assert.Equal(["first"], EngramConfigLoader.LoadLayered(user, null).Models.Select(m => m.Name));
    }
}
