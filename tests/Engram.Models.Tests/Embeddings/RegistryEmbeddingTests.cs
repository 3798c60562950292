using System.Text.Json;
using Engram.Models.Configuration;
using Engram.Models.Embeddings;
using Engram.Models.Providers;
using Engram.Models.Providers.Remote;
using Engram.Models.Routing;
using Engram.Models.Tests.Providers.Remote;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Embeddings;

public sealed class RegistryEmbeddingTests
{
    private const string KeyVar = "ENGRAM_EMBED_TEST_KEY";
    private const string Key = "sk-engram-embed-0123456789abcdef";

    private static IChatClient NoChat(ModelDefinition m) => throw new InvalidOperationException("no chat in these tests");

    private static ModelDefinition Model(string name, ModelProvider provider, params ModelCapability[] capabilities) =>
        new() { Name = name, Provider = provider, Capabilities = capabilities };

    private static EngramConfig Config(params ModelDefinition[] models) => new() { Models = models };

    private static void AssertUnit384(Embedding<float> embedding)
    {
        Assert.Equal(384, embedding.Vector.Length);
        var norm = Math.Sqrt(embedding.Vector.ToArray().Sum(x => (double)x * x));
        Assert.InRange(norm, 0.999, 1.001);
    }

    [Fact]
    public async Task NoEmbeddingModelConfiguredUsesBuiltInMiniLm()
    {
        using var registry = new ModelRegistry(Config(Model("chat", ModelProvider.Fake, ModelCapability.Chat)), NoChat);
        var generator = registry.GetEmbeddingGenerator();
        Assert.Same(generator, registry.GetEmbeddingGenerator());
        var lazy = Assert.IsType<LazyEmbeddingGenerator>(generator);
        Assert.False(lazy.IsLoaded);
        Assert.Equal(384, generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions);

        var embeddings = await generator.GenerateAsync(["a function that parses JSON", "a cat sat on the mat"]);
        Assert.Equal(2, embeddings.Count);
        Assert.All(embeddings, AssertUnit384);
        Assert.True(lazy.IsLoaded);
    }

    [Fact]
    public async Task NamedOnnxModelIsMiniLmAndCreatedOnce()
    {
        using var registry = new ModelRegistry(Config(Model("mini", ModelProvider.Onnx, ModelCapability.Embedding)), NoChat);
        var generator = registry.GetEmbeddingGenerator("mini");
        Assert.Same(generator, registry.GetEmbeddingGenerator("mini"));
        Assert.Same(generator, registry.GetEmbeddingGenerator());
        AssertUnit384((await generator.GenerateAsync(["hello"]))[0]);
    }

    [Fact]
    public void UnknownNameThrowsKeyNotFound()
    {
        using var registry = new ModelRegistry(Config(), NoChat);
        var e = Assert.Throws<KeyNotFoundException>(() => registry.GetEmbeddingGenerator("nope"));
        Assert.Contains("nope", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelWithoutEmbeddingCapabilityIsRefused()
    {
        using var registry = new ModelRegistry(Config(Model("chat", ModelProvider.Fake, ModelCapability.Chat)), NoChat);
        var e = Assert.Throws<InvalidOperationException>(() => registry.GetEmbeddingGenerator("chat"));
        Assert.Contains("embedding", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAFactoryRemoteEmbeddingModelsAreNotSupported()
    {
        using var registry = new ModelRegistry(Config(Model("remote", ModelProvider.OpenAI, ModelCapability.Embedding)), NoChat);
        Assert.Throws<NotSupportedException>(() => registry.GetEmbeddingGenerator("remote"));
    }

    [Fact]
    public void HighestRankedEmbeddingModelIsTheDefault()
    {
        var low = Model("low", ModelProvider.Fake, ModelCapability.Embedding);
        var high = Model("high", ModelProvider.Fake, ModelCapability.Embedding) with { Priority = 5 };
        var created = new List<string>();
        using var registry = new ModelRegistry(Config(low, high), NoChat, m =>
        {
            created.Add(m.Name);
            return new StubGenerator();
        });
        registry.GetEmbeddingGenerator();
        Assert.Equal(["high"], created);
    }

    [Fact]
    public void RegistryDisposesTheGeneratorsItCreated()
    {
        var stub = new StubGenerator();
        var registry = new ModelRegistry(Config(Model("e", ModelProvider.Fake, ModelCapability.Embedding)), NoChat, _ => stub);
        registry.GetEmbeddingGenerator("e");
        registry.Dispose();
        Assert.True(stub.Disposed);
    }

    [Fact]
    public async Task OpenAIEmbeddingModelReturnsTheServersVectorsAndSendsTheKey()
    {
        float[][] vectors = [[0.25f, -0.5f, 1f], [0f, 0.75f, -1f]];
        await using var server = new FakeHttpServer(request =>
        {
            using var json = JsonDocument.Parse(request.Body);
            var base64 = json.RootElement.TryGetProperty("encoding_format", out var format) && format.GetString() == "base64";
            var data = vectors.Select((v, i) => new Dictionary<string, object>
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = base64 ? Convert.ToBase64String(v.SelectMany(BitConverter.GetBytes).ToArray()) : v,
            });
            var body = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["object"] = "list",
                ["data"] = data,
                ["model"] = "embed-test",
                ["usage"] = new Dictionary<string, int> { ["prompt_tokens"] = 4, ["total_tokens"] = 4 },
            });
            return new FakeResponse(200, body);
        });

        var model = Model("embed", ModelProvider.OpenAI, ModelCapability.Embedding) with
        {
            Endpoint = server.At("v1"),
            ApiKeyEnv = KeyVar,
            Path = "embed-test",
        };
        var options = new ProviderFactoryOptions { GetEnvironmentVariable = name => name == KeyVar ? Key : null };
        using var registry = new ModelRegistry(Config(model), NoChat, m => ProviderFactory.CreateEmbeddingGenerator(m, options));

        var embeddings = await registry.GetEmbeddingGenerator("embed").GenerateAsync(["one", "two"]);

        Assert.Equal(2, embeddings.Count);
        Assert.Equal(vectors[0], embeddings[0].Vector.ToArray());
        Assert.Equal(vectors[1], embeddings[1].Vector.ToArray());
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/embeddings", request.Path);
        Assert.Equal("Bearer " + Key, request.Headers["authorization"]);
        using var sent = JsonDocument.Parse(request.Body);
        Assert.Equal("embed-test", sent.RootElement.GetProperty("model").GetString());
        Assert.Equal(["one", "two"], sent.RootElement.GetProperty("input").EnumerateArray().Select(e => e.GetString()!));
    }

    [Fact]
    public void OpenAIEmbeddingModelWithoutItsKeyFailsNamingTheVariable()
    {
        var model = Model("embed", ModelProvider.OpenAI, ModelCapability.Embedding) with { ApiKeyEnv = KeyVar };
        var options = new ProviderFactoryOptions { GetEnvironmentVariable = _ => null };
        var e = Assert.Throws<ModelProviderException>(() => ProviderFactory.CreateEmbeddingGenerator(model, options));
        Assert.Contains(KeyVar, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FactoryBuildsOllamaAndOnnxGeneratorsOffline()
    {
        var options = new ProviderFactoryOptions { GetEnvironmentVariable = _ => null };
        using var ollama = ProviderFactory.CreateEmbeddingGenerator(Model("o", ModelProvider.Ollama, ModelCapability.Embedding), options);
        Assert.NotNull(ollama);
        using var onnx = ProviderFactory.CreateEmbeddingGenerator(Model("x", ModelProvider.Onnx, ModelCapability.Embedding), options);
        Assert.False(Assert.IsType<LazyEmbeddingGenerator>(onnx).IsLoaded);
        Assert.Throws<NotSupportedException>(() => ProviderFactory.CreateEmbeddingGenerator(Model("a", ModelProvider.Anthropic, ModelCapability.Embedding), options));
    }

    private sealed class StubGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        public bool Disposed { get; private set; }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(_ => new Embedding<float>(new float[] { 1f }))));

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() => Disposed = true;
    }
}
