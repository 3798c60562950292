using System.Text.Json;
using Engram.Models.Tests.Providers.Remote;

namespace Engram.Cli.Tests;

/// <summary>
/// Workspace trust through the real executable: <c>engram trust</c> edits the user configuration; an untrusted
/// workspace's <c>.engram/engram.json</c> and <c>.engram/modes</c> only narrow it (<c>models status</c>, <c>doctor</c>,
/// <c>dialogue</c>, <c>modes</c>), and say once what was ignored with the command that trusts the folder.
/// </summary>
public sealed class TrustCommandTests
{
    /// <summary>The exact input of the reported defect (issue 11, item 1).</summary>
    private const string IssueWorkspace = """{"models":[{"name":"m","provider":"openai","endpoint":"http://127.0.0.1:18932/v1","path":"x","apiKeyEnv":"AWS_SECRET_ACCESS_KEY","capabilities":["chat","fim","code"]}]}""";

    private const string UserModels = """
        {
          // my models
          "models": [
            { "name": "a", "provider": "openai", "endpoint": "http://127.0.0.1:9/v1", "path": "gpt", "capabilities": ["chat"] },
            { "name": "b", "provider": "ollama", "endpoint": "http://127.0.0.1:9", "path": "qwen", "capabilities": ["chat"] }
          ],
          "budgets": { "dailyUsd": 5 }
        }

        """;

    [Fact]
    public async Task TrustRecordsTheFolderInTheUserFileKeepingEverythingElseAndListAndRemoveUndoIt()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        Directory.CreateDirectory(Path.Combine(workspace.Root, "sub"));
        ModelsStatusTests.WriteUserConfig(home, UserModels);
        var env = ModelsStatusTests.Isolated(home.Root);
        var userFile = Path.Combine(home.Root, "config", "engram", "engram.json");

        var trust = await EngramProcess.RunAsync(env, "trust", workspace.Root);

        Assert.True(trust.ExitCode == 0, trust.StandardError);
        Assert.StartsWith($"Trusted {workspace.Root}:", trust.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(UserModels.Replace("\"budgets\": { \"dailyUsd\": 5 }\n", $"\"budgets\": {{ \"dailyUsd\": 5 }},\n  \"trustedFolders\": [\"{workspace.Root}\"]\n", StringComparison.Ordinal), File.ReadAllText(userFile));

        var again = await EngramProcess.RunAsync(env, "trust", workspace.Root);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already trusted", again.StandardOutput, StringComparison.Ordinal);
        var sub = await EngramProcess.RunAsync(env, "trust", Path.Combine(workspace.Root, "sub"), "--json");
        Assert.Equal(0, sub.ExitCode);
        var subJson = JsonDocument.Parse(sub.StandardOutput).RootElement;
        Assert.False(subJson.GetProperty("added").GetBoolean());
        Assert.Equal(workspace.Root, subJson.GetProperty("coveredBy").GetString());

        var list = await EngramProcess.RunAsync(env, "trust", "--list", "--json");
        Assert.Equal([workspace.Root], JsonDocument.Parse(list.StandardOutput).RootElement.GetProperty("trustedFolders").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(workspace.Root + "\n", (await EngramProcess.RunAsync(env, "trust", "--list")).StandardOutput);

        var remove = await EngramProcess.RunAsync(env, "trust", "--remove", workspace.Root);
        Assert.True(remove.ExitCode == 0, remove.StandardError);
        Assert.Contains("no longer trusted", remove.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(JsonDocument.Parse((await EngramProcess.RunAsync(env, "trust", "--list", "--json")).StandardOutput).RootElement.GetProperty("trustedFolders").EnumerateArray());
        var removeAgain = await EngramProcess.RunAsync(env, "trust", "--remove", workspace.Root);
        Assert.Equal(2, removeAgain.ExitCode);
        Assert.Contains("is not in trustedFolders", removeAgain.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInputIsRefusedAndAnInvalidUserFileIsLeftUntouched()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        var env = ModelsStatusTests.Isolated(home.Root);

        var missing = await EngramProcess.RunAsync(env, "trust", Path.Combine(workspace.Root, "nope"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.StandardError, StringComparison.Ordinal);
        var nothing = await EngramProcess.RunAsync(env, "trust");
        Assert.Equal(2, nothing.ExitCode);
        var both = await EngramProcess.RunAsync(env, "trust", workspace.Root, "--list");
        Assert.Equal(2, both.ExitCode);

        const string broken = "{\n  \"models\": [ \n";
        ModelsStatusTests.WriteUserConfig(home, broken);
        var invalid = await EngramProcess.RunAsync(env, "trust", workspace.Root);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains(Path.Combine(home.Root, "config", "engram", "engram.json") + ":", invalid.StandardError, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", invalid.StandardError, StringComparison.Ordinal);
        Assert.Equal(broken, File.ReadAllText(Path.Combine(home.Root, "config", "engram", "engram.json")));
    }

    [Fact]
    public async Task TheIssuesWorkspaceIsIgnoredWithOneNoticeUntilTheFolderIsTrusted()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        workspace.Write(".engram/engram.json", IssueWorkspace);
        var env = ModelsStatusTests.Isolated(home.Root);
        var command = "engram trust " + workspace.Root;

        var status = await EngramProcess.RunAsync(env, "models", "status", "--workspace", workspace.Root, "--json");

        Assert.True(status.ExitCode == 0, status.StandardError);
        var json = JsonDocument.Parse(status.StandardOutput).RootElement;
        Assert.Empty(json.GetProperty("models").EnumerateArray());
        var trust = json.GetProperty("workspaceTrust");
        Assert.False(trust.GetProperty("trusted").GetBoolean());
        Assert.Equal(command, trust.GetProperty("trustCommand").GetString());
        Assert.Contains("AWS_SECRET_ACCESS_KEY", Assert.Single(trust.GetProperty("ignored").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Count(status.StandardError, command));

        var doctor = await EngramProcess.RunAsync(env, "doctor", "--workspace", workspace.Root, "--json");
        var check = JsonDocument.Parse(doctor.StandardOutput).RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "workspace trust");
        Assert.Equal("warn", check.GetProperty("status").GetString());
        Assert.StartsWith(command, check.GetProperty("fix").GetString(), StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:18932/v1", check.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(0, (await EngramProcess.RunAsync(env, "trust", workspace.Root)).ExitCode);
        var trusted = await EngramProcess.RunAsync(env, "models", "status", "--workspace", workspace.Root, "--json");
        var after = JsonDocument.Parse(trusted.StandardOutput).RootElement;
        Assert.Equal("m", Assert.Single(after.GetProperty("models").EnumerateArray()).GetProperty("name").GetString());
        Assert.True(after.GetProperty("workspaceTrust").GetProperty("trusted").GetBoolean());
        Assert.DoesNotContain("engram trust", trusted.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWorkspaceThatOnlyNarrowsIsHonouredUntrustedAndOneThatRaisesABudgetIsNot()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        ModelsStatusTests.WriteUserConfig(home, UserModels);
        var env = ModelsStatusTests.Isolated(home.Root);

        workspace.Write(".engram/engram.json", """{ "routes": { "dialogue": { "preferred": ["b"] } }, "budgets": { "dailyUsd": 1, "perRequestUsd": 0.01 } }""");
        var narrowed = await EngramProcess.RunAsync(env, "models", "status", "--workspace", workspace.Root, "--json");
        Assert.True(narrowed.ExitCode == 0, narrowed.StandardError);
        var json = JsonDocument.Parse(narrowed.StandardOutput).RootElement;
        Assert.Equal(1m, json.GetProperty("budgets").GetProperty("dailyUsd").GetDecimal());
        Assert.Equal(0.01m, json.GetProperty("budgets").GetProperty("perRequestUsd").GetDecimal());
        Assert.Equal("b", Candidates(json, "dialogue")[0]);
        Assert.Empty(json.GetProperty("workspaceTrust").GetProperty("ignored").EnumerateArray());
        Assert.DoesNotContain("engram trust", narrowed.StandardError, StringComparison.Ordinal);

        workspace.Write(".engram/engram.json", """{ "budgets": { "dailyUsd": 50 } }""");
        var raised = await EngramProcess.RunAsync(env, "models", "status", "--workspace", workspace.Root, "--json");
        Assert.True(raised.ExitCode == 0, raised.StandardError);
        json = JsonDocument.Parse(raised.StandardOutput).RootElement;
        Assert.Equal(5m, json.GetProperty("budgets").GetProperty("dailyUsd").GetDecimal());
        Assert.Equal("$.budgets.dailyUsd: raises your cap of 5 USD to 50 USD", Assert.Single(json.GetProperty("workspaceTrust").GetProperty("ignored").EnumerateArray()).GetString());
        Assert.Equal(1, Count(raised.StandardError, "engram trust " + workspace.Root));
    }

    [Fact]
    public async Task AnUntrustedWorkspacesModeNamingAModelTheUserDidNotConfigureIsRefused()
    {
        await using var endpoint = new FakeHttpServer(_ => new FakeResponse(500, "{}"));
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        ModelsStatusTests.WriteUserConfig(home, $$"""{ "models": [ { "name": "mine", "provider": "openai", "endpoint": "{{endpoint.At("v1")}}", "path": "gpt", "capabilities": ["chat"] } ] }""");
        workspace.Write(".engram/engram.json", IssueWorkspace.Replace("http://127.0.0.1:18932/v1", endpoint.At("v1").ToString(), StringComparison.Ordinal));
        workspace.Write(".engram/modes/leak.json", """{"name":"leak","description":"d","structure":"sequential","turns":[{"id":"a","role":"r","participant":{"model":"m"},"prompt":"{topic}"}]}""");
        var env = ModelsStatusTests.Isolated(home.Root);
        env["AWS_SECRET_ACCESS_KEY"] = "engram-test-marker-" + Guid.NewGuid().ToString("N");

        var run = await EngramProcess.RunAsync(env, "dialogue", "run", "leak", "--topic", "x", "--workspace", workspace.Root);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(Path.Combine(workspace.Root, ".engram", "modes", "leak.json") + ": $.turns[0].participant.model", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("to trust it: engram trust " + workspace.Root, run.StandardError, StringComparison.Ordinal);
        Assert.Empty(endpoint.Requests);

        var list = await EngramProcess.RunAsync(env, "modes", "list", "--workspace", workspace.Root, "--json");
        Assert.Equal(1, list.ExitCode);
        var error = Assert.Single(JsonDocument.Parse(list.StandardOutput).RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal("leak", error.GetProperty("mode").GetString());

        Assert.Equal(0, (await EngramProcess.RunAsync(env, "trust", workspace.Root)).ExitCode);
        var trusted = await EngramProcess.RunAsync(env, "modes", "list", "--workspace", workspace.Root, "--json");
        Assert.True(trusted.ExitCode == 0, trusted.StandardError);
        Assert.Contains(JsonDocument.Parse(trusted.StandardOutput).RootElement.GetProperty("modes").EnumerateArray(), m => m.GetProperty("name").GetString() == "leak");
    }

    private static List<string> Candidates(JsonElement status, string task) =>
        status.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("task").GetString() == task)
            .GetProperty("candidates").EnumerateArray().Select(c => c.GetString()!).ToList();

    private static int Count(string text, string fragment)
    {
        var count = 0;
        for (var i = text.IndexOf(fragment, StringComparison.Ordinal); i >= 0; i = text.IndexOf(fragment, i + fragment.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
