using System.Text.Json;

namespace Engram.Cli.Tests;

/// <summary>
/// <c>engram models status|test|usage</c> and <c>engram doctor</c> through the real executable, with HOME and XDG
/// folders isolated and a user configuration with the real stories260K model plus an OpenAI model whose key is unset.
/// </summary>
public sealed class ModelsStatusTests
{
    private const string UnsetKey = "ENGRAM_CLI_TEST_KEY_THAT_IS_NEVER_SET";

    [Fact]
    public async Task StatusShowsBothModelsWithKeyAndFileFacts()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = ConfiguredWorkspace(home);

        var status = await EngramProcess.RunAsync(Isolated(home.Root), "models", "status", "--workspace", workspace.Root, "--json");

        Assert.True(status.ExitCode == 0, status.StandardError);
        using var document = JsonDocument.Parse(status.StandardOutput);
        var models = document.RootElement.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal(2, models.Count);
        var local = models["local"];
        Assert.Equal("local-gguf", local.GetProperty("provider").GetString());
        Assert.True(local.GetProperty("fileExists").GetBoolean());
        Assert.Equal("llama", local.GetProperty("architecture").GetString());
        Assert.Equal(1185376, local.GetProperty("sizeBytes").GetInt64());
        var cloud = models["cloud"];
        Assert.Equal("openai", cloud.GetProperty("provider").GetString());
        Assert.Equal(UnsetKey, cloud.GetProperty("apiKeyEnv").GetString());
        Assert.False(cloud.GetProperty("keySet").GetBoolean());
        var dialogue = document.RootElement.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("task").GetString() == "dialogue");
        Assert.Equal(["local", "cloud"], dialogue.GetProperty("candidates").EnumerateArray().Select(c => c.GetString()!).ToArray());
    }

    [Fact]
    public async Task TestStreamsFromTheLocalModelAndUsageCountsTheCall()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = ConfiguredWorkspace(home);
        var environment = Isolated(home.Root);

        var test = await EngramProcess.RunAsync(environment, "models", "test", "local", "Once upon a time", "--max-tokens", "8", "--workspace", workspace.Root, "--json");

        Assert.True(test.ExitCode == 0, test.StandardError);
        using (var result = JsonDocument.Parse(test.StandardOutput))
        {
            Assert.Equal("local", result.RootElement.GetProperty("model").GetString());
            Assert.False(string.IsNullOrEmpty(result.RootElement.GetProperty("text").GetString()));
            Assert.True(result.RootElement.GetProperty("inputTokens").GetInt64() > 0);
            var output = result.RootElement.GetProperty("outputTokens").GetInt64();
            Assert.InRange(output, 1, 8);
            Assert.True(result.RootElement.GetProperty("latencyMs").GetDouble() > 0);
        }

        var usage = await EngramProcess.RunAsync(environment, "models", "usage", "--json");

        Assert.True(usage.ExitCode == 0, usage.StandardError);
        using var summary = JsonDocument.Parse(usage.StandardOutput);
        var row = Assert.Single(summary.RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal("local", row.GetProperty("model").GetString());
        Assert.Equal(1, row.GetProperty("calls").GetInt64());
        Assert.Equal(0, row.GetProperty("failures").GetInt64());
        Assert.True(row.GetProperty("outputTokens").GetInt64() > 0);
        Assert.Equal(1, summary.RootElement.GetProperty("total").GetProperty("calls").GetInt64());
    }

    [Fact]
    public async Task UsageWithoutALedgerIsEmptyAndBadSinceIsBadInput()
    {
        using var home = new TempWorkspace(git: false);
        var environment = Isolated(home.Root);

        var usage = await EngramProcess.RunAsync(environment, "models", "usage", "--since", "2020-01-01", "--json");
        var bad = await EngramProcess.RunAsync(environment, "models", "usage", "--since", "yesterday");

        Assert.True(usage.ExitCode == 0, usage.StandardError);
        using var summary = JsonDocument.Parse(usage.StandardOutput);
        Assert.Empty(summary.RootElement.GetProperty("rows").EnumerateArray());
        Assert.False(File.Exists(Path.Combine(home.Root, "data", "engram", "usage.db")));
        Assert.Equal(2, bad.ExitCode);
    }

    [Fact]
    public async Task TestOfAnUnknownModelIsBadInput()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = ConfiguredWorkspace(home);

        var test = await EngramProcess.RunAsync(Isolated(home.Root), "models", "test", "nope", "--workspace", workspace.Root);

        Assert.Equal(2, test.ExitCode);
        Assert.Contains("nope", test.StandardError, StringComparison.Ordinal);
        Assert.Contains("local", test.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenConfigurationFailsNamingFileAndLine()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        workspace.Write(".engram/engram.json", "{\n  \"models\": [\n    { \"name\": \"x\", \"provider\": \"warp-drive\", \"capabilities\": [\"chat\"] }\n  ]\n}\n");
        var file = Path.Combine(workspace.Root, ".engram", "engram.json");

        var status = await EngramProcess.RunAsync(Isolated(home.Root), "models", "status", "--workspace", workspace.Root, "--json");

        Assert.Equal(1, status.ExitCode);
        Assert.Equal("", status.StandardOutput);
        Assert.Contains(file + ":3:", status.StandardError, StringComparison.Ordinal);
        Assert.Contains("$.models[0].provider", status.StandardError, StringComparison.Ordinal);
    }

    /// <summary>An empty workspace; the models are in the user configuration of <paramref name="home"/>.</summary>
    internal static TempWorkspace ConfiguredWorkspace(TempWorkspace home)
    {
        var workspace = new TempWorkspace(git: false);
        var config = new
        {
            models = new object[]
            {
                new { name = "local", provider = "local-gguf", path = FindStories(), capabilities = new[] { "completion", "chat" } },
                new { name = "cloud", provider = "openai", apiKeyEnv = UnsetKey, capabilities = new[] { "chat", "code" }, costPerMillionInput = 1, costPerMillionOutput = 2 },
            },
        };
        WriteUserConfig(home, JsonSerializer.Serialize(config));
        return workspace;
    }

    /// <summary>Writes the user configuration of an <see cref="Isolated"/> home (<c>config/engram/engram.json</c>).</summary>
    internal static void WriteUserConfig(TempWorkspace home, string json) => home.Write("config/engram/engram.json", json);

    // HOME and every XDG folder point into a temp folder, so the user's configuration, ledger and index are never touched.
    internal static Dictionary<string, string> Isolated(string root) => new()
    {
        ["HOME"] = root,
        ["XDG_CONFIG_HOME"] = Path.Combine(root, "config"),
        ["XDG_DATA_HOME"] = Path.Combine(root, "data"),
        ["XDG_CACHE_HOME"] = Path.Combine(root, "cache"),
        [UnsetKey] = "",
    };

    internal static string FindStories()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "data", "models", "stories260K.gguf");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("tests/data/models/stories260K.gguf was not found above " + AppContext.BaseDirectory);
    }
}
