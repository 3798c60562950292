using System.Diagnostics;
using Engram.Models.Configuration;
using Engram.Models.Providers.LocalGguf;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Routing;

/// <summary>The real tiny model (tests/data/models/stories260K.gguf) through the whole <see cref="ModelRouter"/> pipeline.</summary>
public sealed class LocalModelRouterPipelineTests
{
    private const string Prompt = "Once upon a time";

    private static readonly Lazy<string> s_modelPath = new(FindModel);

    [Fact]
    public async Task GenerationFallsBackToTheLocalModelAndReportsIt()
    {
        var (router, cloud) = CreateRouter();

        var response = await router.GetChatClient(ModelTask.Dialogue).GetResponseAsync(Prompt, Raw(24));

        Assert.Equal("tiny-local", response.AdditionalProperties?[FallbackChatClient.ModelPropertyName]);
        Assert.Matches("[a-zA-Z]{2,}", response.Text);
        Assert.True(cloud.Calls > 0);
        Assert.Equal(
            [("cloud", UsageOutcome.Failed), ("tiny-local", UsageOutcome.Success)],
            router.Ledger.GetEntries().Select(e => (e.Model, e.Outcome)));
        Assert.True(router.Ledger.GetEntries()[^1].OutputTokens is > 0 and <= 24);
    }

    [Fact]
    public async Task StreamingThroughTheRouterYieldsSeveralUpdates()
    {
        var (router, _) = CreateRouter();

        var updates = await router.GetChatClient(ModelTask.Dialogue).GetStreamingResponseAsync(Prompt, Raw(20)).ToListAsync();

        Assert.True(updates.Count(u => u.Text.Length > 0) >= 3, $"only {updates.Count} updates");
        Assert.Contains(updates, u => u.Contents.OfType<UsageContent>().Any(c => c.Details.OutputTokenCount > 0));
        Assert.Equal(UsageOutcome.Success, router.Ledger.GetEntries()[^1].Outcome);
    }

    [Fact]
    public async Task CancellingMidStreamStopsPromptly()
    {
        var (router, _) = CreateRouter();
        using var cts = new CancellationTokenSource();
        var received = 0;
        var stopwatch = new Stopwatch();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in router.GetChatClient(ModelTask.Dialogue).GetStreamingResponseAsync(Prompt, Raw(500), cts.Token))
            {
                if (update.Text.Length > 0 && ++received == 2)
                {
                    stopwatch.Start();
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(2, received);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"stopped after {stopwatch.Elapsed}");
        var last = router.Ledger.GetEntries()[^1];
        Assert.Equal(("tiny-local", UsageOutcome.Cancelled), (last.Model, last.Outcome));
    }

    [Fact]
    public async Task SharedPromptPrefixIsReusedThroughTheRouter()
    {
        // A context size of its own, so other tests' requests cannot evict this one's cached prompt.
        var (router, _) = CreateRouter(contextWindow: 608);
        var client = router.GetChatClient(ModelTask.Dialogue);
        const string Prefix = "Once upon a time there was a little girl named Lily. She liked to play in the park with her dog.";

        await client.GetResponseAsync(Prefix + " One day", Raw(8));
        var second = await client.GetResponseAsync(Prefix + " Then she saw a big tree", Raw(8));

        Assert.Equal("tiny-local", second.AdditionalProperties?[FallbackChatClient.ModelPropertyName]);
        Assert.NotNull(second.Usage?.AdditionalCounts);
        Assert.True(
            second.Usage.AdditionalCounts.TryGetValue(LocalGgufChatClient.ReusedPromptTokensCount, out var reused) && reused >= 10,
            $"reused prompt tokens: {reused}");
    }

    private static ChatOptions Raw(int maxTokens) => new()
    {
        MaxOutputTokens = maxTokens,
        Temperature = 0,
        AdditionalProperties = new() { [LocalGgufChatClient.RawPromptProperty] = true },
    };

    private static (ModelRouter Router, FailingChatClient Cloud) CreateRouter(int? contextWindow = null)
    {
        var path = JsonSerializerEscape(s_modelPath.Value);
        var window = contextWindow is { } w ? $", \"contextWindow\": {w}" : "";
        var config = EngramConfigLoader.Parse(
            $$"""
            {
              "models": [
                { "name": "cloud", "provider": "openai", "capabilities": ["completion", "chat"] },
                { "name": "tiny-local", "provider": "local-gguf", "path": "{{path}}", "capabilities": ["completion", "chat"]{{window}} },
              ],
              "routes": { "dialogue": { "preferred": ["cloud", "tiny-local"] } },
            }
            """,
            "engram.json");
        var cloud = new FailingChatClient();
        var registry = new ModelRegistry(config, m => m.Provider == ModelProvider.LocalGguf ? new LocalGgufChatClient(m) : cloud);
        var router = new ModelRouter(registry, new InMemoryUsageLedger());
        return (router, cloud);
    }

    private static string JsonSerializerEscape(string value) => System.Text.Json.JsonSerializer.Serialize(value)[1..^1];

    private static string FindModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "data", "models", "stories260K.gguf");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"tests/data/models/stories260K.gguf was not found in any folder above {AppContext.BaseDirectory}.");
    }

    /// <summary>A cloud model whose every call fails like an unreachable server.</summary>
    private sealed class FailingChatClient : IChatClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromException<ChatResponse>(new HttpRequestException("connection refused"));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            await Task.Yield();
            throw new HttpRequestException("connection refused");
#pragma warning disable CS0162 // Unreachable code: makes this an iterator.
            yield break;
#pragma warning restore CS0162
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
