using Engram.Models.Configuration;

namespace Engram.Models.Tests.Configuration;

public sealed class OnnxProviderConfigTests
{
    [Fact]
    public void OnnxEmbeddingModelParses()
    {
        var config = EngramConfigLoader.Parse("""{ "models": [ { "name": "mini", "provider": "onnx", "capabilities": ["embedding"], "path": "all-MiniLM-L6-v2" } ] }""", "t.json");
        var model = Assert.Single(config.Models);
        Assert.Equal(ModelProvider.Onnx, model.Provider);
        Assert.Equal("onnx", ConfigNames.ToJsonName(model.Provider));
        Assert.Equal([ModelCapability.Embedding], model.Capabilities);
    }

    [Theory]
    [InlineData("\"capabilities\": [\"embedding\", \"chat\"]", "capabilities")]
    [InlineData("\"capabilities\": [\"embedding\"], \"endpoint\": \"http://localhost:1/\"", "endpoint")]
    [InlineData("\"capabilities\": [\"embedding\"], \"apiKeyEnv\": \"KEY\"", "apiKeyEnv")]
    [InlineData("\"capabilities\": [\"embedding\"], \"path\": \"/models/other.onnx\"", "path")]
    public void OnnxModelRejectsWhatItCannotUse(string rest, string property)
    {
        var e = Assert.Throws<ConfigException>(() => EngramConfigLoader.Parse($$"""{ "models": [ { "name": "mini", "provider": "onnx", {{rest}} } ] }""", "t.json"));
        Assert.EndsWith("." + property, e.JsonPath, StringComparison.Ordinal);
        Assert.Contains("onnx", e.Problem, StringComparison.Ordinal);
    }
}
