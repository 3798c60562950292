using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;
using OpenAI.Embeddings;

namespace Engram.Models.Providers.Remote;

/// <summary>Builds the embedding generators of HTTP providers; nothing here opens a connection until the first request.</summary>
internal static class RemoteEmbeddingGenerators
{
    // Local OpenAI-compatible servers ignore the key, but the SDK needs one.
    private const string NoKey = "no-key";

    public static IEmbeddingGenerator<string, Embedding<float>> CreateOpenAI(ModelDefinition model, ProviderFactoryOptions options)
    {
        var endpoint = model.Endpoint ?? RemoteChatClients.DefaultOpenAIEndpoint;
        var key = ReadKey(model, options, required: model.Endpoint is null);
        var http = CreateHttpClient(model, key);
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        var client = new EmbeddingClient(RemoteChatClients.ModelId(model), new ApiKeyCredential(key ?? NoKey), clientOptions);
        return new ProviderErrorEmbeddingGenerator(client.AsIEmbeddingGenerator(), model.Name, key, http);
    }

    public static IEmbeddingGenerator<string, Embedding<float>> CreateOllama(ModelDefinition model, ProviderFactoryOptions options)
    {
        var endpoint = model.Endpoint ?? RemoteChatClients.DefaultOllamaEndpoint;
        var key = ReadKey(model, options, required: false);
        var http = CreateHttpClient(model, key);
        http.BaseAddress = endpoint;
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var client = new OllamaApiClient(http, RemoteChatClients.ModelId(model));
        return new ProviderErrorEmbeddingGenerator(client, model.Name, key, http);
    }

    // Keys and HTTP clients follow exactly the chat clients' rules.
    private static string? ReadKey(ModelDefinition model, ProviderFactoryOptions options, bool required) =>
        RemoteChatClients.ReadKey(model, options, required);

    private static HttpClient CreateHttpClient(ModelDefinition model, string? key) => RemoteChatClients.CreateHttpClient(model, key);
}
