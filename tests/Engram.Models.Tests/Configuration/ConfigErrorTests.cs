using Engram.Models.Configuration;

namespace Engram.Models.Tests.Configuration;

// Each case writes a broken engram.json to a temp folder and asserts the whole message after "FILE:".
public sealed class ConfigErrorTests
{
    [Fact]
    public void SyntaxError() => Check(
        """
        {
          "models": [
            { "name": "a" "provider": "openai" }
          ]
        }
        """,
        "3:19: $.models[0].name: invalid JSON: '\"' is invalid after a value. Expected either ',', '}', or ']'.");

    [Fact]
    public void UnknownCapability() => Check(
        """
        {
          "models": [
            { "name": "a", "provider": "openai", "capabilities": ["chat"] },
            { "name": "b", "provider": "openai", "capabilities": ["chat"] },
            { "name": "c", "provider": "openai",
              "capabilities": ["vision", "chat"] }
          ]
        }
        """,
        "6:24: $.models[2].capabilities[0]: expected one of completion, fim, chat, reasoning, code, review, embedding; found \"vision\"");

    [Fact]
    public void UnknownProvider() => Check(
        """{ "models": [ { "name": "a", "provider": "openia", "capabilities": ["chat"] } ] }""",
        "1:42: $.models[0].provider: expected one of local-gguf, openai, anthropic, ollama, fake, onnx; found \"openia\"");

    [Fact]
    public void DuplicateModelName() => Check(
        """
        {
          "models": [
            { "name": "a", "provider": "openai", "capabilities": ["chat"] },
            { "name": "a", "provider": "ollama", "capabilities": ["chat"] }
          ]
        }
        """,
        "4:15: $.models[1].name: duplicate model name \"a\"");

    [Fact]
    public void RouteNamesUnknownModel() => Check(
        """
        {
          "models": [ { "name": "a", "provider": "openai", "capabilities": ["chat"] } ],
          "routes": {
            "code-action": { "fallback": ["a", "b"] }
          }
        }
        """,
        "4:40: $.routes['code-action'].fallback[1]: no model named \"b\" is defined");

    [Fact]
    public void NegativeCost() => Check(
        """
        {
          "models": [
            { "name": "a", "provider": "openai", "capabilities": ["chat"], "costPerMillionOutput": -1.5 }
          ]
        }
        """,
        "3:92: $.models[0].costPerMillionOutput: expected a non-negative number (USD); found -1.5");

    [Fact]
    public void NegativeBudget() => Check(
        """{ "budgets": { "dailyUsd": -1 } }""",
        "1:28: $.budgets.dailyUsd: expected a non-negative number (USD); found -1");

    [Fact]
    public void UnknownProperty() => Check(
        """
        {
          "models": [
            { "name": "a", "provider": "openai", "capabilites": ["chat"] }
          ]
        }
        """,
        "3:42: $.models[0].capabilites: unknown property \"capabilites\"; expected one of name, provider, endpoint, path, apiKeyEnv, capabilities, contextWindow, costPerMillionInput, costPerMillionOutput, latencyClass, priority");

    [Fact]
    public void MissingRequiredProperty() => Check(
        """{ "models": [ { "name": "a", "capabilities": ["chat"] } ] }""",
        "1:15: $.models[0]: missing required property \"provider\" (a provider: local-gguf, openai, anthropic, ollama, fake, onnx)");

    [Fact]
    public void WrongType() => Check(
        """{ "models": [ { "name": "a", "provider": "fake", "capabilities": ["chat"], "contextWindow": "big" } ] }""",
        "1:93: $.models[0].contextWindow: expected a positive integer (tokens); found \"big\"");

    [Fact]
    public void UnknownTask() => Check(
        """{ "routes": { "chat": {} } }""",
        "1:15: $.routes.chat: expected a task (completion, inline, code-action, review, docs, research, dialogue); found \"chat\"");

    [Fact]
    public void ApiKeyInsteadOfVariableNameIsNotEchoed()
    {
        var message = Check(
            """{ "models": [ { "name": "a", "provider": "openai", "capabilities": ["chat"], "apiKeyEnv": "sk-secret-123" } ] }""",
            "1:91: $.models[0].apiKeyEnv: expected the name of an environment variable (letters, digits and '_', not starting with a digit), not the key itself");
        Assert.DoesNotContain("sk-secret", message, StringComparison.Ordinal);
    }

    private static string Check(string json, string expectedAfterFile)
    {
        using var folder = new TempFolder();
        var path = folder.Write("engram.json", json);

        var e = Assert.Throws<ConfigException>(() => EngramConfigLoader.Load(path));

        Assert.Equal($"{path}:{expectedAfterFile}", e.Message);
        Assert.Equal(path, e.FilePath);
        return e.Message;
    }
}
