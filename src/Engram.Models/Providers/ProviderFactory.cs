using Engram.Models.Configuration;
using Engram.Models.Embeddings;
using Engram.Models.Providers.Remote;
using Microsoft.Extensions.AI;

namespace Engram.Models.Providers;

/// <summary>
/// Builds the <see cref="IChatClient"/> of one configured model; pass <c>m =&gt; ProviderFactory.Create(m, options)</c>
/// to <see cref="Routing.ModelRegistry"/>.
/// </summary>
/// <remarks>
/// <para>Offline by default: creating a client opens no connection; the first request does.</para>
/// <para>Endpoints when <see cref="ModelDefinition.Endpoint"/> is null: <c>https://api.openai.com/v1</c> (an
/// OpenAI-compatible endpoint includes its version segment, e.g. <c>http://localhost:8080/v1</c>; requests go to
/// <c>{endpoint}/chat/completions</c>), <c>https://api.anthropic.com</c> (requests go to <c>{endpoint}/v1/messages</c>)
/// and <c>http://localhost:11434</c> (Ollama, requests go to <c>{endpoint}/api/chat</c>).</para>
/// <para>The model id sent is <see cref="ModelDefinition.Path"/> when set, else <see cref="ModelDefinition.Name"/>.</para>
/// <para>API keys are read only from the environment variable named by <see cref="ModelDefinition.ApiKeyEnv"/>, at
/// creation; they never appear in exception messages. Remote clients are wrapped in
/// <see cref="ProviderErrorChatClient"/>, so HTTP failures surface as <see cref="Routing.ModelProviderException"/>
/// with their status and Retry-After, and the SDKs' own retries are off (retry and fallback are the router's).</para>
/// </remarks>
public static class ProviderFactory
{
    /// <summary>Creates the client that serves <paramref name="model"/>.</summary>
    /// <exception cref="Routing.ModelProviderException">The model's API key variable is missing or empty (the message
    /// names the variable), or a public endpoint is used without <c>apiKeyEnv</c>.</exception>
    /// <exception cref="NotSupportedException">A <c>local-gguf</c> model without <see cref="ProviderFactoryOptions.LocalGguf"/>,
    /// or a <c>fake</c> model (only tests supply those).</exception>
    public static IChatClient Create(ModelDefinition model, ProviderFactoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        return model.Provider switch
        {
            ModelProvider.OpenAI => RemoteChatClients.CreateOpenAI(model, options),
            ModelProvider.Anthropic => RemoteChatClients.CreateAnthropic(model, options),
            ModelProvider.Ollama => RemoteChatClients.CreateOllama(model, options),
            ModelProvider.LocalGguf => options.LocalGguf?.Invoke(model)
                ?? throw new NotSupportedException($"Model \"{model.Name}\" is a local-gguf model, but this host runs no local models (no LocalGguf factory)."),
            _ => throw new NotSupportedException($"Model \"{model.Name}\": provider {model.Provider} has no client factory here."),
        };
    }

    /// <summary>
    /// Creates the embedding generator that serves <paramref name="model"/>; pass
    /// <c>m =&gt; ProviderFactory.CreateEmbeddingGenerator(m, options)</c> to <see cref="Routing.ModelRegistry"/>.
    /// </summary>
    /// <remarks>
    /// <c>openai</c> requests go to <c>{endpoint}/embeddings</c>, <c>ollama</c> ones to <c>{endpoint}/api/embed</c>;
    /// endpoints, model ids and API keys follow the same rules as <see cref="Create"/>. <c>onnx</c> is the built-in
    /// all-MiniLM-L6-v2 (<see cref="LazyEmbeddingGenerator.MiniLm"/>), loaded on first use and always offline.
    /// </remarks>
    /// <exception cref="Routing.ModelProviderException">The model's API key variable is missing or empty, or a public
    /// endpoint is used without <c>apiKeyEnv</c>.</exception>
    /// <exception cref="NotSupportedException">The provider serves no embeddings here (<c>anthropic</c>, <c>local-gguf</c>, <c>fake</c>).</exception>
    public static IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(ModelDefinition model, ProviderFactoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        return model.Provider switch
        {
            ModelProvider.OpenAI => RemoteEmbeddingGenerators.CreateOpenAI(model, options),
            ModelProvider.Ollama => RemoteEmbeddingGenerators.CreateOllama(model, options),
            ModelProvider.Onnx => LazyEmbeddingGenerator.MiniLm(),
            _ => throw new NotSupportedException($"Model \"{model.Name}\": provider {model.Provider} has no embedding generator factory here."),
        };
    }
}
