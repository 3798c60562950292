using System.Text.Json;

namespace Engram.Cli.Tests;

/// <summary><c>engram doctor</c> through the real executable.</summary>
public sealed class DoctorTests
{
    [Fact]
    public async Task ReportsTheMissingKeyWithAFixAndTheLocalModelAsOk()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = ModelsStatusTests.ConfiguredWorkspace(home);

        var doctor = await EngramProcess.RunAsync(ModelsStatusTests.Isolated(home.Root), "doctor", "--workspace", workspace.Root, "--json");

        Assert.Equal(1, doctor.ExitCode);
        using var document = JsonDocument.Parse(doctor.StandardOutput);
        Assert.False(document.RootElement.GetProperty("ok").GetBoolean());
        var checks = document.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        var cloud = checks["model: cloud"];
        Assert.Contains(cloud.GetProperty("status").GetString(), new[] { "fail", "warn" });
        Assert.Contains("ENGRAM_CLI_TEST_KEY_THAT_IS_NEVER_SET", cloud.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("ENGRAM_CLI_TEST_KEY_THAT_IS_NEVER_SET", cloud.GetProperty("fix").GetString(), StringComparison.Ordinal);
        Assert.Equal("ok", checks["model: local"].GetProperty("status").GetString());
        Assert.Equal("ok", checks["config: workspace"].GetProperty("status").GetString());
        Assert.Equal("ok", checks["native: onnxruntime"].GetProperty("status").GetString());
        Assert.Equal("ok", checks["native: llama.cpp"].GetProperty("status").GetString());
        Assert.Equal("warn", checks["index"].GetProperty("status").GetString());
        Assert.True(checks.ContainsKey("disk"));
    }

    [Fact]
    public async Task ReportsABrokenConfigurationFileWithItsLine()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        workspace.Write(".engram/engram.json", "{\n  \"models\": [ }\n");

        var doctor = await EngramProcess.RunAsync(ModelsStatusTests.Isolated(home.Root), "doctor", "--workspace", workspace.Root, "--json");

        Assert.Equal(1, doctor.ExitCode);
        using var document = JsonDocument.Parse(doctor.StandardOutput);
        var config = document.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "config: workspace");
        Assert.Equal("fail", config.GetProperty("status").GetString());
        Assert.Contains(Path.Combine(workspace.Root, ".engram", "engram.json") + ":2", config.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("line 2", config.GetProperty("fix").GetString(), StringComparison.Ordinal);
    }
}
