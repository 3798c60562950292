using System.Net;
using System.Text.Json;
using Engram.Models.Configuration;
using Engram.Models.Providers;
using Engram.Models.Providers.Remote;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Providers.Remote;

public sealed class ProviderFactoryTests
{
    private const string KeyVar = "ENGRAM_TEST_KEY";
    private const string Key = "sk-engram-test-0123456789abcdef";

    private static readonly ProviderFactoryOptions s_options = new()
    {
        GetEnvironmentVariable = name => name == KeyVar ? Key : null,
    };

    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "Say hi")];

    private static readonly string s_openAIReply = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-test",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from OpenAI"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}
        """;

    private static readonly string s_openAIStream = string.Concat(
        Chunk("""{"role":"assistant","content":"Hel"}""", "null"),
        Chunk("""{"content":"lo"}""", "null"),
        Chunk("{}", "\"stop\""),
        "data: [DONE]\n\n");

    private static readonly string s_anthropicReply = """
        {"id":"msg_1","type":"message","role":"assistant","model":"claude-test",
         "content":[{"type":"text","text":"Hello from Claude"}],"stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":12,"output_tokens":5}}
        """;

    private static readonly string s_ollamaReply = """
        {"model":"llama-test","created_at":"2026-11-25T12:00:00Z","message":{"role":"assistant","content":"Hello from Ollama"},"done":true,"done_reason":"stop","prompt_eval_count":9,"eval_count":4}
        """.ReplaceLineEndings("") + "\n";

    private static readonly string s_anthropicStream = string.Concat(
        Sse("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}"""),
        Sse("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
        Sse("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}"""),
        Sse("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}}"""),
        Sse("content_block_stop", """{"type":"content_block_stop","index":0}"""),
        Sse("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}"""),
        Sse("message_stop", """{"type":"message_stop"}"""));

    private static readonly string s_ollamaStream = string.Concat(
        """{"model":"llama-test","created_at":"2026-11-25T12:00:00Z","message":{"role":"assistant","content":"Hel"},"done":false}""" + "\n",
        """{"model":"llama-test","created_at":"2026-11-25T12:00:00Z","message":{"role":"assistant","content":"lo"},"done":false}""" + "\n",
        """{"model":"llama-test","created_at":"2026-11-25T12:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":9,"eval_count":4}""" + "\n");

    // The error body echoes the key, as a careless proxy might, to prove that messages are redacted.
    private static readonly string s_errorBody = $$$"""{"error":{"type":"rate_limit_error","message":"slow down, key {{{Key}}}"}}""";

    public static TheoryData<ModelProvider> Providers => [ModelProvider.OpenAI, ModelProvider.Anthropic, ModelProvider.Ollama];

    [Fact]
    public async Task OpenAISendsKeyAndModelToConfiguredEndpointAndParsesReply()
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(200, s_openAIReply));
        using var client = ProviderFactory.Create(Model(ModelProvider.OpenAI, server.At("v1"), "gpt-test"), s_options);

        var response = await client.GetResponseAsync(s_prompt);

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/v1/chat/completions"), (request.Method, request.Path));
        Assert.Equal($"Bearer {Key}", request.Headers["authorization"]);
        Assert.Equal("gpt-test", ModelSent(request));
        Assert.Equal("Hello from OpenAI", response.Text);
        Assert.Equal((11L, 7L), (response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount));
    }

    [Fact]
    public async Task OpenAIStreamsChunks()
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(200, s_openAIStream, "text/event-stream"));
        using var client = ProviderFactory.Create(Model(ModelProvider.OpenAI, server.At("v1"), "gpt-test"), s_options);

        Assert.Equal(["Hel", "lo"], await StreamedTextAsync(client));
        Assert.Contains("\"stream\":true", Assert.Single(server.Requests).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnthropicStreamsChunks()
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(200, s_anthropicStream, "text/event-stream"));
        using var client = ProviderFactory.Create(Model(ModelProvider.Anthropic, server.BaseUri, "claude-test"), s_options);

        Assert.Equal(["Hel", "lo"], await StreamedTextAsync(client));
        Assert.Contains("\"stream\":true", Assert.Single(server.Requests).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OllamaStreamsChunks()
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(200, s_ollamaStream, "application/x-ndjson"));
        using var client = ProviderFactory.Create(Model(ModelProvider.Ollama, server.BaseUri, "llama-test"), s_options);

        Assert.Equal(["Hel", "lo"], await StreamedTextAsync(client));
    }

    [Fact]
    public async Task DecoratorMapsTransportFailuresAndRedactsKeyShapedText()
    {
        var failure = new HttpRequestException($"upstream said Bearer {Key} and sk-other-secret-999999999 are bad", null, HttpStatusCode.BadGateway);
        using var client = new ProviderErrorChatClient(new Engram.Models.Tests.Routing.FakeChatClient(Engram.Models.Tests.Routing.FakeStep.Fail(failure)), "test-model", Key);

        var e = await Assert.ThrowsAsync<ModelProviderException>(() => client.GetResponseAsync(s_prompt));

        Assert.Equal(HttpStatusCode.BadGateway, e.StatusCode);
        Assert.DoesNotContain(Key, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-other-secret", e.Message, StringComparison.Ordinal);
        Assert.Null(e.InnerException); // The inner message held the key, so it is dropped.
    }

    [Fact]
    public async Task DecoratorLetsProgrammingErrorsThrough()
    {
        using var client = new ProviderErrorChatClient(new Engram.Models.Tests.Routing.FakeChatClient(Engram.Models.Tests.Routing.FakeStep.Fail(new ArgumentException("bad"))), "test-model", Key);

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(s_prompt));
    }

    [Fact]
    public async Task OpenAICompatibleLocalServerNeedsNoKey()
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(200, s_openAIReply));
        using var client = ProviderFactory.Create(Model(ModelProvider.OpenAI, server.At("v1"), "gpt-test") with { ApiKeyEnv = null }, s_options);

        var response = await client.GetResponseAsync(s_prompt);

        Assert.Equal("Hello from OpenAI", response.Text);
        Assert.DoesNotContain(Key, Assert.Single(server.Requests).Headers.Values);
    }

    [Fact]
    public async Task AnthropicSendsKeyAndModelToConfiguredEndpointAndParsesReply()
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(200, s_anthropicReply));
        using var client = ProviderFactory.Create(Model(ModelProvider.Anthropic, server.BaseUri, "claude-test"), s_options);

        var response = await client.GetResponseAsync(s_prompt);

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/v1/messages"), (request.Method, request.Path));
        // Anthropic SDK 13.x sends ClientOptions.ApiKey as a bearer token (its documented behaviour), not x-api-key.
        Assert.Equal($"Bearer {Key}", request.Headers.GetValueOrDefault("authorization"));
        Assert.True(request.Headers.ContainsKey("anthropic-version"));
        Assert.Equal("claude-test", ModelSent(request));
        Assert.Equal("Hello from Claude", response.Text);
        Assert.Equal((12L, 5L), (response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount));
    }

    [Fact]
    public async Task OllamaSendsModelToConfiguredEndpointAndParsesReply()
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(200, s_ollamaReply, "application/x-ndjson"));
        using var client = ProviderFactory.Create(Model(ModelProvider.Ollama, server.BaseUri, "llama-test") with { ApiKeyEnv = null }, s_options);

        var response = await client.GetResponseAsync(s_prompt);

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/api/chat"), (request.Method, request.Path));
        Assert.Equal("llama-test", ModelSent(request));
        Assert.False(request.Headers.ContainsKey("authorization"));
        Assert.Equal("Hello from Ollama", response.Text);
        Assert.Equal((9L, 4L), (response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount));
    }

    [Fact]
    public async Task OllamaSendsBearerKeyWhenNamed()
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(200, s_ollamaReply, "application/x-ndjson"));
        using var client = ProviderFactory.Create(Model(ModelProvider.Ollama, server.BaseUri, "llama-test"), s_options);

        await client.GetResponseAsync(s_prompt);

        Assert.Equal($"Bearer {Key}", Assert.Single(server.Requests).Headers["authorization"]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TooManyRequestsSurfacesStatusAndRetryAfterWithoutTheKey(ModelProvider provider)
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(429, s_errorBody, Headers: new Dictionary<string, string> { ["Retry-After"] = "7" }));
        using var client = ProviderFactory.Create(Model(provider, EndpointFor(provider, server), "m"), s_options);

        var e = await Assert.ThrowsAsync<ModelProviderException>(() => client.GetResponseAsync(s_prompt));

        Assert.Equal((HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(7)), (e.StatusCode, e.RetryAfter));
        Assert.True(FallbackChatClient.IsTransient(e));
        Assert.Single(server.Requests); // The SDK's own retries are off: retrying is the router's job.
        Assert.DoesNotContain(Key, e.ToString(), StringComparison.Ordinal);
        Assert.Contains("slow down", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ServerErrorSurfacesStatus(ModelProvider provider)
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(500, s_errorBody));
        using var client = ProviderFactory.Create(Model(provider, EndpointFor(provider, server), "m"), s_options);

        var e = await Assert.ThrowsAsync<ModelProviderException>(() => client.GetResponseAsync(s_prompt));

        Assert.Equal(HttpStatusCode.InternalServerError, e.StatusCode);
        Assert.Null(e.RetryAfter);
        Assert.True(FallbackChatClient.IsTransient(e));
        Assert.DoesNotContain(Key, e.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StreamingErrorSurfacesStatus(ModelProvider provider)
    {
        await using var server = new FakeHttpServer(_ => new FakeResponse(503, s_errorBody, Headers: new Dictionary<string, string> { ["Retry-After"] = "2" }));
        using var client = ProviderFactory.Create(Model(provider, EndpointFor(provider, server), "m"), s_options);

        var e = await Assert.ThrowsAsync<ModelProviderException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(s_prompt))
            {
            }
        });

        Assert.Equal((HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(2)), (e.StatusCode, e.RetryAfter));
        Assert.DoesNotContain(Key, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableServerIsAProviderErrorWithoutStatus()
    {
        Uri endpoint;
        await using (var server = new FakeHttpServer(_ => new FakeResponse(200, s_openAIReply)))
        {
            endpoint = server.At("v1");
        }

        using var client = ProviderFactory.Create(Model(ModelProvider.OpenAI, endpoint, "gpt-test"), s_options);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync(s_prompt));

        Assert.DoesNotContain(Key, e.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void MissingKeyVariableIsNamedAndNoValueLeaks(ModelProvider provider)
    {
        var options = new ProviderFactoryOptions { GetEnvironmentVariable = name => name == "OTHER" ? Key : null };

        var e = Assert.Throws<ModelProviderException>(() => ProviderFactory.Create(Model(provider, new Uri("http://127.0.0.1:9/"), "m"), options));

        Assert.Contains(KeyVar, e.Message, StringComparison.Ordinal);
        Assert.Contains("\"test-model\"", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, e.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ModelProvider.OpenAI)]
    [InlineData(ModelProvider.Anthropic)]
    public void PublicEndpointWithoutApiKeyEnvIsRefused(ModelProvider provider)
    {
        var e = Assert.Throws<ModelProviderException>(() => ProviderFactory.Create(Model(provider, null, "m") with { ApiKeyEnv = null }, s_options));

        Assert.Contains("apiKeyEnv", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void DefaultEndpointsAreNotContactedAtCreation(ModelProvider provider)
    {
        // Creating a client for a public endpoint (unreachable here) must succeed: only a request connects.
        using var client = ProviderFactory.Create(Model(provider, null, "m"), s_options);

        Assert.NotNull(client);
        Assert.DoesNotContain(Key, client.ToString()!, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalGgufWithoutHostFactoryIsNotSupported()
    {
        var e = Assert.Throws<NotSupportedException>(() => ProviderFactory.Create(Model(ModelProvider.LocalGguf, null, "m") with { ApiKeyEnv = null }, s_options));

        Assert.Contains("\"test-model\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalGgufIsDelegatedToTheHost()
    {
        using var local = new Engram.Models.Tests.Routing.FakeChatClient();
        var options = s_options with { LocalGguf = m => m.Name == "test-model" ? local : throw new InvalidOperationException() };

        Assert.Same(local, ProviderFactory.Create(Model(ModelProvider.LocalGguf, null, "m") with { ApiKeyEnv = null }, options));
    }

    private static ModelDefinition Model(ModelProvider provider, Uri? endpoint, string modelId) => new()
    {
        Name = "test-model",
        Provider = provider,
        Endpoint = endpoint,
        Path = modelId,
        ApiKeyEnv = KeyVar,
        Capabilities = [ModelCapability.Chat],
    };

    private static Uri EndpointFor(ModelProvider provider, FakeHttpServer server) =>
        provider == ModelProvider.OpenAI ? server.At("v1") : server.BaseUri;

    private static string? ModelSent(RecordedRequest request) =>
        JsonDocument.Parse(request.Body).RootElement.GetProperty("model").GetString();

    private static async Task<List<string>> StreamedTextAsync(IChatClient client)
    {
        var chunks = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync(s_prompt))
        {
            if (update.Text.Length > 0)
            {
                chunks.Add(update.Text);
            }
        }

        return chunks;
    }

    private static string Sse(string name, string data) => $"event: {name}\ndata: {data}\n\n";

    private static string Chunk(string delta, string finishReason) =>
        $$"""data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-test","choices":[{"index":0,"delta":{{delta}},"finish_reason":{{finishReason}}}]}""" + "\n\n";
}
