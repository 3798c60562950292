using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using Anthropic;
using Anthropic.Core;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;
using OpenAI.Chat;

namespace Engram.Models.Providers.Remote;

/// <summary>Builds the chat clients of HTTP providers; nothing here opens a connection until the first request.</summary>
internal static class RemoteChatClients
{
    /// <summary>Used when an OpenAI-compatible model has no <c>endpoint</c>.</summary>
    public static readonly Uri DefaultOpenAIEndpoint = new("https://api.openai.com/v1");

    /// <summary>Used when an Anthropic model has no <c>endpoint</c>.</summary>
    public static readonly Uri DefaultAnthropicEndpoint = new("https://api.anthropic.com");

    /// <summary>Used when an Ollama model has no <c>endpoint</c>.</summary>
    public static readonly Uri DefaultOllamaEndpoint = new("http://localhost:11434");

    // Local OpenAI-compatible servers (llama.cpp, vLLM, LM Studio, Ollama /v1) ignore the key, but the SDK needs one.
    private const string NoKey = "no-key";

    public static IChatClient CreateOpenAI(ModelDefinition model, ProviderFactoryOptions options)
    {
        var endpoint = model.Endpoint ?? DefaultOpenAIEndpoint;
        var key = ReadKey(model, options, required: model.Endpoint is null);
        var http = CreateHttpClient(model, key);
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        var chat = new ChatClient(ModelId(model), new ApiKeyCredential(key ?? NoKey), clientOptions);
        return new ProviderErrorChatClient(chat.AsIChatClient(), model.Name, key, http);
    }

    public static IChatClient CreateAnthropic(ModelDefinition model, ProviderFactoryOptions options)
    {
        var endpoint = model.Endpoint ?? DefaultAnthropicEndpoint;
        var key = ReadKey(model, options, required: model.Endpoint is null);
        var http = CreateHttpClient(model, key);
        // Setting ApiKey (even to null) stops the SDK from reading ANTHROPIC_API_KEY or other credentials itself.
        var client = new AnthropicClient(new ClientOptions
        {
            BaseUrl = endpoint.ToString().TrimEnd('/'),
            ApiKey = key,
            HttpClient = http,
            MaxRetries = 0,
        });
        var chat = client.AsIChatClient(ModelId(model), options.AnthropicDefaultMaxOutputTokens);
        return new ProviderErrorChatClient(chat, model.Name, key, new Owned(chat, http));
    }

    public static IChatClient CreateOllama(ModelDefinition model, ProviderFactoryOptions options)
    {
        var endpoint = model.Endpoint ?? DefaultOllamaEndpoint;
        var key = ReadKey(model, options, required: false);
        var http = CreateHttpClient(model, key);
        http.BaseAddress = endpoint;
        if (key is not null)
        {
            // A local Ollama needs no key; one behind an authenticating proxy (or ollama.com) takes a bearer token.
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var chat = new OllamaApiClient(http, ModelId(model));
        return new ProviderErrorChatClient(chat, model.Name, key, http);
    }

    /// <summary>The id sent to the provider: <c>path</c> when given (a provider-specific model id), else <c>name</c>.</summary>
    public static string ModelId(ModelDefinition model) => string.IsNullOrWhiteSpace(model.Path) ? model.Name : model.Path;

    /// <summary>
    /// The key from the variable named by <c>apiKeyEnv</c>, or null when none is named and none is
    /// <paramref name="required"/>; errors name the variable, never a value.
    /// </summary>
    internal static string? ReadKey(ModelDefinition model, ProviderFactoryOptions options, bool required)
    {
        if (model.ApiKeyEnv is null)
        {
            return required
                ? throw new ModelProviderException($"Model \"{model.Name}\" ({model.Provider}) uses the provider's public endpoint, which needs an API key: set \"apiKeyEnv\" to the name of the environment variable that holds it.")
                : null;
        }

        var key = options.GetEnvironmentVariable(model.ApiKeyEnv);
        return string.IsNullOrWhiteSpace(key)
            ? throw new ModelProviderException($"Model \"{model.Name}\" needs an API key in the environment variable {model.ApiKeyEnv}, which is not set or empty.")
            : key.Trim();
    }

    internal static HttpClient CreateHttpClient(ModelDefinition model, string? key) =>
        // The SDKs apply their own timeouts; the router applies its own too.
        new(new ProviderHttpErrorHandler(model.Name, key, TimeProvider.System)) { Timeout = Timeout.InfiniteTimeSpan };

    private sealed class Owned(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items)
            {
                item.Dispose();
            }
        }
    }
}
