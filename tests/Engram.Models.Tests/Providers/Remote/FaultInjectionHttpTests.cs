using System.Net.Sockets;
using System.Text;
using Engram.Models.Configuration;
using Engram.Models.Providers;
using Engram.Models.Providers.Remote;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Providers.Remote;

public sealed class FaultInjectionHttpTests
{
    private const string KeyVar = "ENGRAM_TEST_KEY";
    private const string Key = "sk-engram-test-0123456789abcdef";

    private static readonly ProviderFactoryOptions s_options = new() { GetEnvironmentVariable = name => name == KeyVar ? Key : null };

    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "Say hi")];

    private static readonly string s_reply = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-test",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the backup"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}
        """;

    [Fact]
    public async Task ConnectionResetMidResponseIsAProviderFailureAndTheRouterFallsBack()
    {
        await using var broken = new FaultInjectionServer(async (socket, stream, ct) =>
        {
            var body = Encoding.UTF8.GetBytes(s_reply);
            await stream.WriteAsync(FaultInjectionServer.Head("application/json", body.Length), ct);
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2), ct);
            await stream.FlushAsync(ct);
            FaultInjectionServer.Reset(socket);
        });

        await AssertFailsThenFallsBackAsync(broken.At("v1"), () => broken.Requests, e => Assert.IsType<ModelProviderException>(e));
    }

    [Fact]
    public async Task MalformedJsonBodyFailsAndTheRouterFallsBack()
    {
        await using var broken = new FakeHttpServer(_ => new FakeResponse(200, """{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assist"""));

        await AssertFailsThenFallsBackAsync(broken.At("v1"), () => broken.Requests.Count, AssertMalformed);
    }

    [Fact]
    public async Task SlowStreamCancelledMidwayThrowsCancellationPromptly()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new FaultInjectionServer(async (socket, stream, ct) =>
        {
            await stream.WriteAsync(FaultInjectionServer.Head("text/event-stream", null), ct);
            await stream.WriteAsync(Encoding.UTF8.GetBytes("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-test\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"), ct);
            await stream.FlushAsync(ct);
            // Stall until the client gives up (the read returns 0 when it closes the connection).
            var buffer = new byte[1];
            try
            {
                _ = await stream.ReadAsync(buffer, ct);
            }
            finally
            {
                released.TrySetResult();
            }
        });
        using var registry = Registry(server.At("v1"), server.At("v1"));
        var router = new ModelRouter(registry, new InMemoryUsageLedger());
        using var cancel = new CancellationTokenSource();
        var texts = new List<string>();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in router.GetChatClient(ModelTask.Dialogue).GetStreamingResponseAsync(s_prompt, cancellationToken: cancel.Token))
            {
                texts.Add(update.Text);
                await cancel.CancelAsync();
            }
        });

        Assert.Equal(["Hel"], texts);
        await released.Task.WaitAsync(TimeSpan.FromSeconds(5)); // the HTTP request was aborted, not left hanging
        Assert.Equal(1, server.Requests); // cancellation is not a failure: no fallback to the second model
        Assert.Equal(UsageOutcome.Cancelled, Assert.Single(router.Ledger.GetEntries()).Outcome);
    }

    // A malformed body becomes a ModelProviderException with no status (the SDK's JsonException is kept inside).
    private static void AssertMalformed(Exception e)
    {
        var provider = Assert.IsType<ModelProviderException>(e);
        Assert.Null(provider.StatusCode);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(provider.InnerException);
    }

    private static async Task AssertFailsThenFallsBackAsync(Uri brokenEndpoint, Func<int> brokenRequests, Action<Exception> assertDirect)
    {
        // Directly: the provider client reports the fault.
        using (var direct = ProviderFactory.Create(Model("primary", brokenEndpoint), s_options))
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => direct.GetResponseAsync(s_prompt));
            assertDirect(e);
            Assert.DoesNotContain(Key, e.ToString(), StringComparison.Ordinal);
        }

        // Through the router: the second model answers.
        await using var backup = new FakeHttpServer(_ => new FakeResponse(200, s_reply));
        using var registry = Registry(brokenEndpoint, backup.At("v1"));
        var router = new ModelRouter(registry, new InMemoryUsageLedger(), new ModelRouterOptions { Fallback = new FallbackChatClientOptions { MaxRetries = 0 } });

        var response = await router.GetChatClient(ModelTask.Dialogue).GetResponseAsync(s_prompt);

        Assert.Equal(("backup", "Hello from the backup"), (response.ModelId, response.Text));
        Assert.Equal(2, brokenRequests());
        Assert.Single(backup.Requests);
        Assert.DoesNotContain("engram.correlation_id", backup.Requests.Single().Body, StringComparison.Ordinal);
        Assert.Equal([("primary", UsageOutcome.Failed), ("backup", UsageOutcome.Success)], router.Ledger.GetEntries().Select(x => (x.Model, x.Outcome)));
    }

    private static ModelRegistry Registry(Uri primary, Uri backup)
    {
        var config = new EngramConfig
        {
            Models = [Model("primary", primary), Model("backup", backup)],
            Routes = new Dictionary<ModelTask, RouteDefinition> { [ModelTask.Dialogue] = new() { Preferred = ["primary", "backup"], Capabilities = [ModelCapability.Chat] } },
        };
        return new ModelRegistry(config, m => ProviderFactory.Create(m, s_options));
    }

    private static ModelDefinition Model(string name, Uri endpoint) => new()
    {
        Name = name,
        Provider = ModelProvider.OpenAI,
        Endpoint = endpoint,
        Path = "gpt-test",
        ApiKeyEnv = KeyVar,
        Capabilities = [ModelCapability.Chat],
    };
}
