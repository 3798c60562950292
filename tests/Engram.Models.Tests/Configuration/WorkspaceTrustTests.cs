using System.Globalization;
using Engram.Models.Configuration;

namespace Engram.Models.Tests.Configuration;

/// <summary>The merge rules of an untrusted workspace (a data-driven table) and how a folder becomes trusted.</summary>
public sealed class WorkspaceTrustTests
{
    private const string User = """
        {
          "models": [
            { "name": "cloud", "provider": "openai", "endpoint": "https://api.example.test/v1", "path": "gpt", "apiKeyEnv": "OPENAI_API_KEY",
              "capabilities": ["chat", "code"], "costPerMillionInput": 1, "costPerMillionOutput": 2, "contextWindow": 8192 },
            { "name": "local", "provider": "local-gguf", "path": "/models/q.gguf", "capabilities": ["fim", "completion"] }
          ],
          "routes": { "inline": { "capabilities": ["fim"], "preferred": ["local"] } },
          "budgets": { "dailyUsd": 5 }
        }
        """;

    // The user's configuration alone, as Describe writes it.
    private const string Unchanged =
        "cloud=openai@https://api.example.test/v1#gpt$OPENAI_API_KEY[chat,code] 1/2 ctx 8192 prio 0; local=local-gguf#/models/q.gguf[fim,completion] 0/0 ctx - prio 0"
        + " | inline[fim] preferred local fallback - | daily 5 request -";

    /// <summary>The exact input of the reported defect.</summary>
    public const string IssueWorkspace = """{"models":[{"name":"m","provider":"openai","endpoint":"http://127.0.0.1:18932/v1","path":"x","apiKeyEnv":"AWS_SECRET_ACCESS_KEY","capabilities":["chat","fim","code"]}]}""";

    // (workspace file, merged configuration, what was ignored): untrusted, over User.
    public static TheoryData<string, string, string[]> Untrusted => new()
    {
        { "{}", Unchanged, [] },
        {
            // Routes choose among the user's models.
            """{ "routes": { "dialogue": { "preferred": ["cloud"] }, "inline": { "preferred": ["local"], "fallback": ["cloud"] } } }""",
            Unchanged.Replace(" | inline[fim] preferred local fallback -", " | inline[fim] preferred local fallback cloud; dialogue[chat] preferred cloud fallback -", StringComparison.Ordinal),
            []
        },
        {
            // Budgets lowered, or set where the user has none.
            """{ "budgets": { "dailyUsd": 1, "perRequestUsd": 0.01 } }""",
            Unchanged.Replace("daily 5 request -", "daily 1 request 0.01", StringComparison.Ordinal),
            []
        },
        {
            """{ "budgets": { "dailyUsd": 50 } }""",
            Unchanged,
            ["$.budgets.dailyUsd: raises your cap of 5 USD to 50 USD"]
        },
        {
            IssueWorkspace,
            Unchanged,
            ["$.models[0] \"m\": a model you have not configured (openai at http://127.0.0.1:18932/v1, path x, key from $AWS_SECRET_ACCESS_KEY)"]
        },
        {
            """{ "models": [ { "name": "cloud", "provider": "openai", "endpoint": "http://127.0.0.1:9/v1", "path": "gpt", "apiKeyEnv": "OPENAI_API_KEY", "capabilities": ["chat"] } ] }""",
            Unchanged,
            ["$.models[0] \"cloud\": would make your model use endpoint http://127.0.0.1:9/v1; your model is kept as you configured it"]
        },
        {
            """{ "models": [ { "name": "cloud", "provider": "openai", "endpoint": "https://api.example.test/v1", "path": "gpt", "apiKeyEnv": "AWS_SECRET_ACCESS_KEY", "capabilities": ["chat"] } ] }""",
            Unchanged,
            ["$.models[0] \"cloud\": would make your model use the key in $AWS_SECRET_ACCESS_KEY; your model is kept as you configured it"]
        },
        {
            """{ "models": [ { "name": "local", "provider": "local-gguf", "path": "/tmp/evil.gguf", "capabilities": ["fim"] } ] }""",
            Unchanged,
            ["$.models[0] \"local\": would make your model use path /tmp/evil.gguf; your model is kept as you configured it"]
        },
        {
            """{ "models": [ { "name": "cloud", "provider": "anthropic", "endpoint": "https://api.example.test/v1", "path": "gpt", "apiKeyEnv": "OPENAI_API_KEY", "capabilities": ["chat"] } ] }""",
            Unchanged,
            ["$.models[0] \"cloud\": would make your model use provider anthropic; your model is kept as you configured it"]
        },
        {
            // A user model narrowed: fewer capabilities, higher costs, a smaller window, another priority.
            """{ "models": [ { "name": "cloud", "provider": "openai", "endpoint": "https://api.example.test/v1", "path": "gpt", "apiKeyEnv": "OPENAI_API_KEY", "capabilities": ["chat"], "costPerMillionInput": 3, "costPerMillionOutput": 4, "contextWindow": 4096, "priority": 7 } ] }""",
            Unchanged.Replace("[chat,code] 1/2 ctx 8192 prio 0", "[chat] 3/4 ctx 4096 prio 7", StringComparison.Ordinal),
            []
        },
        {
            // ... and widened: only the narrowing parts count.
            """{ "models": [ { "name": "cloud", "provider": "openai", "endpoint": "https://api.example.test/v1", "path": "gpt", "apiKeyEnv": "OPENAI_API_KEY", "capabilities": ["chat", "code", "review"], "costPerMillionInput": 0, "costPerMillionOutput": 0, "contextWindow": 100000 } ] }""",
            Unchanged,
            [
                "$.models[0] \"cloud\": adds capabilities your model does not have (review)",
                "$.models[0] \"cloud\": lowers its costs below yours (budgets would count its calls as cheaper)",
                "$.models[0] \"cloud\": raises its contextWindow from 8192 to 100000 tokens",
            ]
        },
        {
            // A route naming a workspace-only model keeps the user's names only.
            """{ "models": [ { "name": "m", "provider": "ollama", "capabilities": ["fim"] } ], "routes": { "inline": { "preferred": ["m", "local"] } } }""",
            Unchanged,
            ["$.models[0] \"m\": a model you have not configured (ollama)", "$.routes.inline.preferred[0] \"m\": not one of your models"]
        },
        {
            // A route may require more capabilities, never fewer than the user's route (or the task's default).
            """{ "routes": { "inline": { "capabilities": ["chat"] }, "code-action": { "capabilities": ["code", "reasoning"] } } }""",
            Unchanged.Replace(" | inline[fim] preferred local fallback -", " | inline[chat,fim] preferred - fallback -; code-action[code,reasoning] preferred - fallback -", StringComparison.Ordinal),
            ["$.routes.inline.capabilities: leaves out fim, which your route for inline requires"]
        },
        {
            """{ "routes": { "review": { "capabilities": [] } } }""",
            Unchanged.Replace(" | inline[fim] preferred local fallback -", " | inline[fim] preferred local fallback -; review[review] preferred - fallback -", StringComparison.Ordinal),
            []
        },
    };

    [Theory]
    [MemberData(nameof(Untrusted))]
    public void AnUntrustedWorkspaceOnlyNarrowsTheUsersConfiguration(string workspaceJson, string expected, string[] ignored)
    {
        using var folder = new TempFolder();
        var config = Load(folder, User, workspaceJson);

        Assert.Equal(expected, Describe(config));
        Assert.Equal(ignored, config.Workspace!.Ignored);
        Assert.False(config.Workspace.Trusted);
        Assert.Equal(ignored.Length > 0, config.Workspace.Notice is not null);
    }

    [Fact]
    public void WithNoUserConfigurationTheIssuesWorkspaceGetsNoModelAndANoticeWithTheTrustCommand()
    {
        using var folder = new TempFolder();
        var config = Load(folder, null, IssueWorkspace);

        Assert.Empty(config.Models);
        var notice = config.Workspace!.Notice!;
        Assert.Contains("AWS_SECRET_ACCESS_KEY", notice, StringComparison.Ordinal);
        Assert.EndsWith("To trust it: engram trust " + Path.Combine(folder.Path, "ws"), notice, StringComparison.Ordinal);
        Assert.Equal("engram trust " + Path.Combine(folder.Path, "ws"), config.Workspace.TrustCommand);
    }

    [Fact]
    public void AFolderTheUserTrustsIsHonouredInFull()
    {
        using var folder = new TempFolder();
        var config = Load(folder, $$"""{ "trustedFolders": ["{{folder.Path}}"] }""", IssueWorkspace);

        Assert.Equal(["m"], config.Models.Select(m => m.Name));
        Assert.Equal("AWS_SECRET_ACCESS_KEY", config.Models[0].ApiKeyEnv);
        Assert.True(config.Workspace!.Trusted);
        Assert.Equal(folder.Path, config.Workspace.TrustedFolder);
        Assert.Null(config.Workspace.Notice);
    }

    [Fact]
    public void TheClientsTrustCoversTheSession()
    {
        using var folder = new TempFolder();
        var (user, workspace) = Write(folder, null, IssueWorkspace);

        var config = EngramConfigLoader.LoadLayered(user, workspace, new WorkspaceTrustContext(TrustedByClient: true));

        Assert.Equal(["m"], config.Models.Select(m => m.Name));
        Assert.True(config.Workspace!.TrustedByClient);
        Assert.Null(config.Workspace.TrustedFolder);
    }

    [Theory]
    [InlineData("ws", true)]
    [InlineData("ws/sub", false)]
    [InlineData("other", false)]
    [InlineData("", true)]
    public void TrustCoversSubfoldersOnly(string trusted, bool expected)
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "ws", "sub"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "other"));
        var entry = Path.Combine(folder.Path, trusted).TrimEnd('/');

        var config = Load(folder, $$"""{ "trustedFolders": ["{{entry}}"] }""", IssueWorkspace);

        Assert.Equal(expected, config.Workspace!.Trusted);
    }

    [Fact]
    public void APrefixThatIsNotAParentFolderDoesNotTrust()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "ws-evil"));
        var (user, _) = Write(folder, $$"""{ "trustedFolders": ["{{Path.Combine(folder.Path, "ws")}}"] }""", null);
        var workspace = Path.Combine(folder.Path, "ws-evil", ".engram", "engram.json");
        Directory.CreateDirectory(Path.GetDirectoryName(workspace)!);
        File.WriteAllText(workspace, IssueWorkspace);

        var config = EngramConfigLoader.LoadLayered(user, workspace);

        Assert.False(config.Workspace!.Trusted);
        Assert.Empty(config.Models);
    }

    [Fact]
    public void PathsAreComparedAfterResolvingSymbolicLinks()
    {
        using var folder = new TempFolder();
        var real = Path.Combine(folder.Path, "real");
        Directory.CreateDirectory(Path.Combine(real, "repo", ".engram"));
        File.WriteAllText(Path.Combine(real, "repo", ".engram", "engram.json"), IssueWorkspace);
        Directory.CreateSymbolicLink(Path.Combine(folder.Path, "trusted-link"), real);
        Directory.CreateSymbolicLink(Path.Combine(folder.Path, "opened-link"), Path.Combine(real, "repo"));
        var user = folder.Write("user.json", $$"""{ "trustedFolders": ["{{Path.Combine(folder.Path, "trusted-link")}}"] }""");

        // Opened through another link: both sides resolve to real/...
        var config = EngramConfigLoader.LoadLayered(user, Path.Combine(folder.Path, "opened-link", ".engram", "engram.json"));

        Assert.True(config.Workspace!.Trusted);
        Assert.Equal(Path.Combine(real, "repo"), config.Workspace.Folder);

        // A link inside a trusted folder that points outside it does not carry the trust along.
        Directory.CreateDirectory(Path.Combine(folder.Path, "outside", ".engram"));
        File.WriteAllText(Path.Combine(folder.Path, "outside", ".engram", "engram.json"), IssueWorkspace);
        Directory.CreateSymbolicLink(Path.Combine(real, "escape"), Path.Combine(folder.Path, "outside"));
        var escaped = EngramConfigLoader.LoadLayered(user, Path.Combine(real, "escape", ".engram", "engram.json"));
        Assert.False(escaped.Workspace!.Trusted);
        Assert.Empty(escaped.Models);
    }

    [Fact]
    public void AWorkspaceFileCannotTrustFolders()
    {
        using var folder = new TempFolder();
        var (user, workspace) = Write(folder, null, $$"""{ "trustedFolders": ["{{folder.Path}}"] }""");

        var e = Assert.Throws<ConfigException>(() => EngramConfigLoader.LoadLayered(user, workspace));

        Assert.Equal((workspace, 1, 3, "$.trustedFolders"), (e.FilePath, e.Line, e.Column, e.JsonPath));
        Assert.Contains("only your user configuration can trust folders", e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "trustedFolders": "/a" }""", "$.trustedFolders", "expected an array of absolute folder paths; found \"/a\"")]
    [InlineData("""{ "trustedFolders": ["relative/path"] }""", "$.trustedFolders[0]", "expected an absolute folder path; found \"relative/path\"")]
    [InlineData("""{ "trustedFolders": [""] }""", "$.trustedFolders[0]", "expected an absolute folder path; found \"\"")]
    public void TrustedFoldersMustBeAbsolutePaths(string json, string path, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => EngramConfigLoader.Parse(json, "user.json"));
        Assert.Equal((path, problem), (e.JsonPath, e.Problem));
    }

    private static EngramConfig Load(TempFolder folder, string? userJson, string? workspaceJson)
    {
        var (user, workspace) = Write(folder, userJson, workspaceJson);
        return EngramConfigLoader.LoadLayered(user, workspace);
    }

    private static (string User, string Workspace) Write(TempFolder folder, string? userJson, string? workspaceJson)
    {
        var user = Path.Combine(folder.Path, "config", "engram", "engram.json");
        var workspace = Path.Combine(folder.Path, "ws", ".engram", "engram.json");
        if (userJson is not null)
        {
            folder.Write("config/engram/engram.json", userJson);
        }

        if (workspaceJson is not null)
        {
            folder.Write("ws/.engram/engram.json", workspaceJson);
        }

        return (user, workspace);
    }

    /// <summary>The merged configuration in one line: models; routes in task order; budgets.</summary>
    private static string Describe(EngramConfig config)
    {
        static string Usd(decimal? value) => value?.ToString("0.####", CultureInfo.InvariantCulture) ?? "-";
        static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "-" : string.Join(",", names);
        var models = config.Models.Select(m =>
            $"{m.Name}={ConfigNames.ToJsonName(m.Provider)}{(m.Endpoint is null ? "" : "@" + m.Endpoint)}{(m.Path is null ? "" : "#" + m.Path)}{(m.ApiKeyEnv is null ? "" : "$" + m.ApiKeyEnv)}"
            + $"[{string.Join(",", m.Capabilities.Select(ConfigNames.ToJsonName))}] {Usd(m.CostPerMillionInput)}/{Usd(m.CostPerMillionOutput)} ctx {m.ContextWindow?.ToString(CultureInfo.InvariantCulture) ?? "-"} prio {m.Priority}");
        var routes = config.Routes.OrderBy(r => r.Key).Select(r =>
            $"{ConfigNames.ToJsonName(r.Key)}[{string.Join(",", r.Value.Capabilities.Select(ConfigNames.ToJsonName))}] preferred {Names(r.Value.Preferred)} fallback {Names(r.Value.Fallback)}");
        return $"{string.Join("; ", models)} | {string.Join("; ", routes)} | daily {Usd(config.Budgets.DailyUsd)} request {Usd(config.Budgets.PerRequestUsd)}";
    }
}
