using System.Text.Json;

namespace Engram.Cli.Tests;

/// <summary>Issue 15: with no engram.json, a GGUF in Engram's models folder is usable by name and by path, and routed.</summary>
public sealed class DiscoveredModelsTests
{
    [Fact]
    public async Task EmptyConfigurationTestsADiscoveredModelByNameAndByPath()
    {
        using var home = new TempWorkspace(git: false);
        var environment = ModelsStatusTests.Isolated(home.Root);
        var folder = Path.Combine(home.Root, "data", "engram", "models");
        Directory.CreateDirectory(folder);
        var copy = Path.Combine(folder, "stories260K.gguf");
        File.Copy(ModelsStatusTests.FindStories(), copy);

        var byName = await EngramProcess.RunAsync(environment, "models", "test", "stories260K", "--max-tokens", "4", "--json");
        var byPath = await EngramProcess.RunAsync(environment, "models", "test", copy, "--max-tokens", "4", "--json");
        var status = await EngramProcess.RunAsync(environment, "models", "status", "--json");

        Assert.True(byName.ExitCode == 0, byName.StandardError);
        using (var result = JsonDocument.Parse(byName.StandardOutput))
        {
            Assert.Equal("stories260K", result.RootElement.GetProperty("model").GetString());
            Assert.False(string.IsNullOrEmpty(result.RootElement.GetProperty("text").GetString()));
        }

        Assert.True(byPath.ExitCode == 0, byPath.StandardError);
        using (var result = JsonDocument.Parse(byPath.StandardOutput))
        {
            Assert.Equal("stories260K", result.RootElement.GetProperty("model").GetString());
        }

        Assert.True(status.ExitCode == 0, status.StandardError);
        using var routes = JsonDocument.Parse(status.StandardOutput);
        var inline = routes.RootElement.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("task").GetString() == "inline");
        Assert.Equal(new[] { "stories260K" }, inline.GetProperty("candidates").EnumerateArray().Select(c => c.GetString()!).ToArray());
    }

    [Fact]
    public async Task DiscoveryFalseLeavesTheModelUnknown()
    {
        using var home = new TempWorkspace(git: false);
        var environment = ModelsStatusTests.Isolated(home.Root);
        var folder = Path.Combine(home.Root, "data", "engram", "models");
        Directory.CreateDirectory(folder);
        File.Copy(ModelsStatusTests.FindStories(), Path.Combine(folder, "stories260K.gguf"));
        Directory.CreateDirectory(Path.Combine(home.Root, "config", "engram"));
        File.WriteAllText(Path.Combine(home.Root, "config", "engram", "engram.json"), """{ "discovery": false }""");

        var test = await EngramProcess.RunAsync(environment, "models", "test", "stories260K", "--max-tokens", "4", "--json");

        Assert.Equal(2, test.ExitCode);
        Assert.Contains("no model named 'stories260K'", test.StandardError, StringComparison.Ordinal);
    }
}
