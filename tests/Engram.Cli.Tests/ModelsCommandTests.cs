using System.Text.Json;
using Engram.Models.Tests.Discovery;

namespace Engram.Cli.Tests;

/// <summary><c>engram models pull</c> and <c>list</c> through the real executable, against a loopback server.</summary>
public sealed class ModelsCommandTests
{
    private const string StoriesSha256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

    [Fact]
    public async Task PullVerifiesThenListShowsTheModelWithItsHeader()
    {
        using var home = new TempWorkspace(git: false);
        using var server = new LoopbackFileServer(File.ReadAllBytes(FindStories()));
        var environment = Isolated(home.Root);
        var url = server.Url.ToString().Replace("model.gguf", "stories260K.gguf", StringComparison.Ordinal);

        var pull = await EngramProcess.RunAsync(environment, "models", "pull", url, "--sha256", StoriesSha256, "--json");

        Assert.True(pull.ExitCode == 0, pull.StandardError);
        using (var result = JsonDocument.Parse(pull.StandardOutput))
        {
            Assert.Equal(StoriesSha256, result.RootElement.GetProperty("sha256").GetString());
            Assert.Equal(1185376, result.RootElement.GetProperty("sizeBytes").GetInt64());
        }

        var list = await EngramProcess.RunAsync(environment, "models", "list", "--json");
        Assert.True(list.ExitCode == 0, list.StandardError);
        using var listed = JsonDocument.Parse(list.StandardOutput);
        var model = Assert.Single(listed.RootElement.GetProperty("models").EnumerateArray());
        Assert.Equal("stories260K", model.GetProperty("name").GetString());
        Assert.Equal("llama", model.GetProperty("architecture").GetString());
        Assert.Equal(1185376, model.GetProperty("sizeBytes").GetInt64());
        Assert.NotEmpty(listed.RootElement.GetProperty("catalogue").EnumerateArray());
    }

    [Fact]
    public async Task ChecksumMismatchFailsAndKeepsNoFile()
    {
        using var home = new TempWorkspace(git: false);
        using var server = new LoopbackFileServer(File.ReadAllBytes(FindStories()));
        var url = server.Url.ToString().Replace("model.gguf", "stories260K.gguf", StringComparison.Ordinal);

        var pull = await EngramProcess.RunAsync(Isolated(home.Root), "models", "pull", url, "--sha256", new string('0', 64), "--json");

        Assert.Equal(1, pull.ExitCode);
        Assert.Contains(StoriesSha256, pull.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(home.Root, "data", "engram", "models", "stories260K.gguf")));
    }

    [Fact]
    public async Task UnknownModelNameIsBadInput()
    {
        using var home = new TempWorkspace(git: false);
        var pull = await EngramProcess.RunAsync(Isolated(home.Root), "models", "pull", "no-such-model");
        Assert.Equal(2, pull.ExitCode);
        Assert.Contains("no-such-model", pull.StandardError, StringComparison.Ordinal);
    }

    // Points every location discovery and pull use at a temp folder, so the user's real caches are never read.
    private static Dictionary<string, string> Isolated(string root) => new()
    {
        ["HOME"] = root,
        ["XDG_DATA_HOME"] = Path.Combine(root, "data"),
        ["XDG_CACHE_HOME"] = Path.Combine(root, "cache"),
        ["HF_HOME"] = Path.Combine(root, "hf"),
        ["OLLAMA_MODELS"] = Path.Combine(root, "ollama"),
    };

    private static string FindStories()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "data", "models", "stories260K.gguf");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"tests/data/models/stories260K.gguf was not found above {AppContext.BaseDirectory}.");
    }
}
