using Engram.Models.Configuration;
using Engram.Models.Routing;

namespace Engram.Models.Tests.Routing;

public sealed class CapabilityRouterTests
{
    private const string Config = """
        {
          "models": [
            { "name": "cloud-smart", "provider": "anthropic", "capabilities": ["chat", "code", "review", "reasoning"], "costPerMillionInput": 3, "costPerMillionOutput": 15, "latencyClass": "slow" },
            { "name": "local-big", "provider": "local-gguf", "capabilities": ["completion", "fim", "code", "chat"], "latencyClass": "medium" },
            { "name": "cloud-pri", "provider": "openai", "capabilities": ["chat"], "costPerMillionInput": 10, "costPerMillionOutput": 30, "latencyClass": "slow", "priority": 5 },
            { "name": "local-small", "provider": "local-gguf", "capabilities": ["completion", "fim", "code"], "latencyClass": "fast" },
            { "name": "cloud-cheap", "provider": "openai", "capabilities": ["chat", "code", "review"], "costPerMillionInput": 0.15, "costPerMillionOutput": 0.6, "latencyClass": "fast" },
            { "name": "twin-b", "provider": "ollama", "capabilities": ["embedding"] },
            { "name": "twin-a", "provider": "ollama", "capabilities": ["embedding"] },
          ],
          "routes": {
            "review": { "capabilities": ["review"], "preferred": ["cloud-smart"] },
            "research": { "capabilities": ["chat", "reasoning"] },
            // cloud-cheap has no fim: listed, but not a candidate.
            "inline": { "preferred": ["local-big"], "fallback": ["cloud-cheap"] },
            "docs": { "capabilities": ["embedding"], "fallback": ["cloud-smart"] },
          },
        }
        """;

    [Theory]
    [InlineData(ModelTask.Completion, "local-small, local-big")] // equal priority and cost: fast before medium
    [InlineData(ModelTask.Inline, "local-big, local-small")] // preferred first
    [InlineData(ModelTask.CodeAction, "local-small, local-big, cloud-cheap, cloud-smart")] // cost, then latency
    [InlineData(ModelTask.Review, "cloud-smart, cloud-cheap")]
    [InlineData(ModelTask.Research, "cloud-smart")]
    [InlineData(ModelTask.Dialogue, "cloud-pri, local-big, cloud-cheap, cloud-smart")] // priority beats cost
    [InlineData(ModelTask.Docs, "twin-a, twin-b")] // all else equal: by name
    public void RanksCandidates(ModelTask task, string expected) => Check(Config, task, expected);

    [Fact]
    public void NoCapableModelGivesNoCandidates() =>
        Check("""{ "models": [ { "name": "e", "provider": "fake", "capabilities": ["embedding"] } ] }""", ModelTask.Review, "");

    [Fact]
    public void PreferredOrderWinsOverFallbackOrderAndPriority() => Check(
        """
        {
          "models": [
            { "name": "x", "provider": "fake", "capabilities": ["chat"], "priority": 9 },
            { "name": "y", "provider": "fake", "capabilities": ["chat"] },
            { "name": "z", "provider": "fake", "capabilities": ["chat"] },
          ],
          "routes": { "dialogue": { "preferred": ["z"], "fallback": ["y"] } },
        }
        """,
        ModelTask.Dialogue,
        "z, y, x");

    private static void Check(string json, ModelTask task, string expected)
    {
        var config = EngramConfigLoader.Parse(json, "test.json");
        var actual = string.Join(", ", CapabilityRouter.Rank(config, task).Select(m => m.Name));
        Assert.Equal(expected, actual);
    }
}
