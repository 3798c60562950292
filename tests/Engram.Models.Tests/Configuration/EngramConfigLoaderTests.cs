using Engram.Models.Configuration;

namespace Engram.Models.Tests.Configuration;

public sealed class EngramConfigLoaderTests
{
    [Fact]
    public void LoadsEveryField()
    {
        using var folder = new TempFolder();
        var path = folder.Write("engram.json", """
            {
              "$schema": "../schemas/engram.schema.json",
              "models": [
                {
                  "name": "gpt",
                  "provider": "openai",
                  "endpoint": "https://api.example.test/v1",
                  "apiKeyEnv": "OPENAI_API_KEY",
                  "capabilities": ["chat", "code"],
                  "contextWindow": 128000,
                  "costPerMillionInput": 0.15,
                  "costPerMillionOutput": 0.6,
                  "latencyClass": "fast",
                  "priority": -2,
                },
                { "name": "qwen", "provider": "local-gguf", "path": "/models/qwen.gguf", "capabilities": ["fim"] }, // trailing comma, comment
              ],
              /* block comment */
              "routes": {
                "code-action": { "capabilities": ["code"], "preferred": ["gpt"], "fallback": ["qwen"] },
                "inline": {},
              },
              "budgets": { "dailyUsd": 2.5, "perRequestUsd": 0.05 },
            }
            """);

        var config = EngramConfigLoader.Load(path);

        var gpt = config.Models[0];
        Assert.Equal(
            new ModelDefinition
            {
                Name = "gpt",
                Provider = ModelProvider.OpenAI,
                Endpoint = new Uri("https://api.example.test/v1"),
                ApiKeyEnv = "OPENAI_API_KEY",
                Capabilities = gpt.Capabilities,
                ContextWindow = 128000,
                CostPerMillionInput = 0.15m,
                CostPerMillionOutput = 0.6m,
                LatencyClass = LatencyClass.Fast,
                Priority = -2,
            },
            gpt);
        Assert.Equal([ModelCapability.Chat, ModelCapability.Code], gpt.Capabilities);
        var qwen = config.Models[1];
        Assert.Equal(("/models/qwen.gguf", LatencyClass.Medium, 0, 0m, null), (qwen.Path, qwen.LatencyClass, qwen.Priority, qwen.CostPerMillionInput, qwen.ContextWindow));
        var route = config.Routes[ModelTask.CodeAction];
        Assert.Equal([ModelCapability.Code], route.Capabilities);
        Assert.Equal(["gpt"], route.Preferred);
        Assert.Equal(["qwen"], route.Fallback);
        Assert.Equal([ModelCapability.Fim], config.Routes[ModelTask.Inline].Capabilities);
        Assert.Equal([ModelCapability.Chat], config.GetRoute(ModelTask.Dialogue).Capabilities);
        Assert.Equal(new BudgetDefinition { DailyUsd = 2.5m, PerRequestUsd = 0.05m }, config.Budgets);
        Assert.Equal([path], config.Sources);
    }

    [Fact]
    public void MissingFileIsNotAConfigError()
    {
        using var folder = new TempFolder();
        Assert.Throws<FileNotFoundException>(() => EngramConfigLoader.Load(Path.Combine(folder.Path, "engram.json")));
        var none = EngramConfigLoader.LoadLayered(Path.Combine(folder.Path, "a.json"), Path.Combine(folder.Path, "ws", ".engram", "engram.json"));
        Assert.Equal((0, 0, 0), (none.Models.Count, none.Routes.Count, none.Sources.Count));
        Assert.Equal((Path.Combine(folder.Path, "ws"), false, false), (none.Workspace!.Folder, none.Workspace.Trusted, none.Workspace.Restricted));
        Assert.Same(EngramConfig.Empty, EngramConfigLoader.LoadLayered(Path.Combine(folder.Path, "a.json"), null));
    }

    [Fact]
    public void TrustedWorkspaceOverridesUserByModelNameRouteTaskAndBudgetField()
    {
        using var folder = new TempFolder();
        var user = folder.Write("config/engram/engram.json", """
            {
              "models": [
                { "name": "a", "provider": "openai", "capabilities": ["chat"], "costPerMillionInput": 1 },
                { "name": "b", "provider": "ollama", "capabilities": ["review"] },
              ],
              "routes": {
                "dialogue": { "preferred": ["a"] },
                "review": { "preferred": ["a"] },
              },
              "budgets": { "dailyUsd": 5, "perRequestUsd": 1 },
            }
            """);
        var workspace = folder.Write("ws/.engram/engram.json", """
            {
              "models": [
                { "name": "c", "provider": "fake", "capabilities": ["chat"] },
                { "name": "a", "provider": "anthropic", "capabilities": ["chat"], "costPerMillionInput": 2 },
              ],
              "routes": { "review": { "preferred": ["b"] } }, // b comes from the user file
              "budgets": { "perRequestUsd": 0.5 },
            }
            """);

        var config = EngramConfigLoader.LoadLayered(user, workspace, new WorkspaceTrustContext(TrustedByClient: true));

        Assert.True(config.Workspace!.Trusted);
        Assert.Empty(config.Workspace.Ignored);
        Assert.Equal(["a:Anthropic:2", "b:Ollama:0", "c:Fake:0"], config.Models.Select(m => $"{m.Name}:{m.Provider}:{m.CostPerMillionInput}"));
        Assert.Equal(["a"], config.Routes[ModelTask.Dialogue].Preferred);
        Assert.Equal(["b"], config.Routes[ModelTask.Review].Preferred);
        Assert.Equal(new BudgetDefinition { DailyUsd = 5m, PerRequestUsd = 0.5m }, config.Budgets);
        Assert.Equal([user, workspace], config.Sources);
    }

    [Fact]
    public void UnknownModelInWorkspaceRouteNamesTheWorkspaceFile()
    {
        using var folder = new TempFolder();
        var user = folder.Write("user.json", """{ "models": [ { "name": "a", "provider": "openai", "capabilities": ["chat"] } ] }""");
        var workspace = folder.Write("ws.json", """
            {
              "routes": { "docs": { "preferred": ["a", "zzz"] } }
            }
            """);

        var e = Assert.Throws<ConfigException>(() => EngramConfigLoader.LoadLayered(user, workspace));

        Assert.Equal($"{workspace}:2:44: $.routes.docs.preferred[1]: no model named \"zzz\" is defined", e.Message);
    }

    [Fact]
    public void InvalidUserFileIsNamedEvenWhenTheWorkspaceIsValid()
    {
        using var folder = new TempFolder();
        var user = folder.Write("user.json", """{ "budgets": { "perRequestUsd": "cheap" } }""");
        var workspace = folder.Write("ws.json", "{}");

        var e = Assert.Throws<ConfigException>(() => EngramConfigLoader.LoadLayered(user, workspace));

        Assert.Equal($"{user}:1:33: $.budgets.perRequestUsd: expected a non-negative number (USD); found \"cheap\"", e.Message);
        Assert.Equal((1, 33, "$.budgets.perRequestUsd"), (e.Line, e.Column, e.JsonPath));
    }

    [Theory]
    [InlineData("XDG", "/home/u", "XDG/engram/engram.json")]
    [InlineData("", "/home/u", "/home/u/.config/engram/engram.json")]
    [InlineData(null, "/home/u", "/home/u/.config/engram/engram.json")]
    [InlineData(null, null, null)]
    public void UserConfigPathFollowsXdg(string? xdg, string? home, string? expected)
    {
        var actual = EngramConfigLoader.GetUserConfigPath(name => name switch { "XDG_CONFIG_HOME" => xdg, "HOME" => home, _ => null });
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void WorkspaceConfigLivesInDotEngram() =>
        Assert.Equal(Path.Combine("/ws", ".engram", "engram.json"), EngramConfigLoader.GetWorkspaceConfigPath("/ws"));
}
