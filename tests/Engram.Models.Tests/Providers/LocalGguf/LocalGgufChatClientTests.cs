using System.Text;
using Engram.Models.Configuration;
using Engram.Models.Providers.LocalGguf;
using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Providers.LocalGguf;

public sealed class LocalGgufChatClientTests
{
    private const string Prompt = "Once upon a time";

    private static readonly Lazy<string> s_modelPath = new(FindModel);

    private static string ModelPath => s_modelPath.Value;

    [Fact]
    public async Task Generates_english_text_with_usage_and_model_id()
    {
        using var client = NewClient();

        var response = await client.GetResponseAsync(Prompt, Raw(maxTokens: 24));

        Assert.Equal("stories260K", response.ModelId);
        Assert.Matches("[a-zA-Z]{2,}", response.Text);
        Assert.Contains(response.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries), w => w is "the" or "a" or "was" or "and" or "to" or "she" or "he");
        Assert.NotNull(response.Usage);
        Assert.True(response.Usage.InputTokenCount > 1, $"input tokens: {response.Usage.InputTokenCount}");
        Assert.InRange(response.Usage.OutputTokenCount ?? 0, 1, 24);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Streaming_concatenation_equals_non_streaming_text()
    {
        using var client = NewClient();
        var options = Raw(maxTokens: 20);

        var response = await client.GetResponseAsync(Prompt, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Prompt, options))
        {
            updates.Add(update);
        }

        Assert.True(updates.Count(u => u.Text.Length > 0) >= 3, $"only {updates.Count} updates");
        Assert.Equal(response.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Contains(updates, u => u.Contents.OfType<UsageContent>().Any(c => c.Details.OutputTokenCount > 0));
    }

    [Fact]
    public async Task Cancellation_stops_streaming()
    {
        using var client = NewClient();
        using var cts = new CancellationTokenSource();
        var received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Prompt, Raw(maxTokens: 500), cts.Token))
            {
                if (update.Text.Length > 0 && ++received == 2)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.Equal(2, received);
    }

    [Fact]
    public async Task Max_output_tokens_is_respected()
    {
        using var client = NewClient();

        var response = await client.GetResponseAsync(Prompt, Raw(maxTokens: 3));

        Assert.Equal(3, response.Usage?.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task Stop_sequence_ends_generation_without_the_stop_text()
    {
        using var client = NewClient();
        var full = (await client.GetResponseAsync(Prompt, Raw(maxTokens: 30))).Text;
        var stop = full.Trim().Split(' ')[1];
        var options = Raw(maxTokens: 30);
        options.StopSequences = [stop];

        var response = await client.GetResponseAsync(Prompt, options);

        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task Fim_falls_back_to_plain_completion_for_a_model_without_fim_tokens()
    {
        using var client = NewClient();
        var plain = await client.GetResponseAsync(Prompt, Raw(maxTokens: 10));
        var options = Raw(maxTokens: 10);
        options.AdditionalProperties = new() { [LocalGgufChatClient.FimSuffixProperty] = " happily ever after." };

        var fim = await client.GetResponseAsync(Prompt, options);

        Assert.Equal(plain.Text, fim.Text);
        Assert.Equal(plain.Usage?.InputTokenCount, fim.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task Chat_messages_without_a_model_template_use_a_plain_transcript()
    {
        using var client = NewClient();

        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.User, "Tell me a story.")],
            new ChatOptions { MaxOutputTokens = 8, Temperature = 0 });

        Assert.NotEmpty(response.Text);
        Assert.InRange(response.Usage?.OutputTokenCount ?? 0, 1, 8);
    }

    [Fact]
    public async Task A_request_sharing_a_prompt_prefix_reuses_the_kv_cache_and_gives_the_same_text()
    {
        // A context size of its own keeps this test's cache away from the other tests running in this class.
        using var client = NewClient(contextSize: 320);
        var cold = await client.GetResponseAsync(Prompt + " there was", Raw(maxTokens: 8));
        var warm = await client.GetResponseAsync(Prompt + " there was", Raw(maxTokens: 8));
        var longer = await client.GetResponseAsync(Prompt + " there was a little", Raw(maxTokens: 8));

        Assert.Equal(cold.Text, warm.Text);
        Assert.Equal(warm.Usage!.InputTokenCount - 1, warm.Usage.AdditionalCounts![LocalGgufChatClient.ReusedPromptTokensCount]);
        Assert.True(longer.Usage!.AdditionalCounts![LocalGgufChatClient.ReusedPromptTokensCount] >= warm.Usage.InputTokenCount - 1);

        using var fresh = NewClient(contextSize: 352);
        var reference = await fresh.GetResponseAsync(Prompt + " there was a little", Raw(maxTokens: 8));
        Assert.Equal(reference.Text, longer.Text);
    }

    [Fact]
    public async Task The_weights_load_once_across_clients_and_requests()
    {
        using var first = NewClient();
        using var second = new LocalGgufChatClient(
            new ModelDefinition { Name = "tiny", Provider = ModelProvider.LocalGguf, Path = ModelPath, Capabilities = [ModelCapability.Completion], ContextWindow = 384 },
            new LocalGgufOptions { Threads = 2 });
        await first.GetResponseAsync(Prompt, Raw(maxTokens: 2));
        var loads = LocalGgufModelWeightLoads();

        await first.GetResponseAsync(Prompt, Raw(maxTokens: 2));
        var response = await second.GetResponseAsync(Prompt, Raw(maxTokens: 2));

        Assert.Equal(loads, LocalGgufModelWeightLoads());
        Assert.InRange(loads, 1, 1);
        Assert.Equal("tiny", response.ModelId);
    }

    [Fact]
    public async Task Concurrent_requests_on_one_model_are_serialised_and_each_gets_its_own_answer()
    {
        using var client = NewClient();
        var expected = (await client.GetResponseAsync(Prompt, Raw(maxTokens: 12))).Text;

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.GetResponseAsync(Prompt, Raw(maxTokens: 12))));

        Assert.All(responses, r => Assert.Equal(expected, r.Text));
    }

    [Fact]
    public async Task Empty_prompt_starts_from_bos()
    {
        using var client = NewClient();

        var response = await client.GetResponseAsync(string.Empty, Raw(maxTokens: 5));

        Assert.Equal(5, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task Native_logs_go_to_the_logger()
    {
        var logger = new RecordingLogger();
        // A context size no other test uses, so that llama.cpp creates (and logs) a new context.
        using var client = new LocalGgufChatClient(ModelPath, options: new LocalGgufOptions { Threads = 2, ContextSize = 416 }, logger: logger);

        await client.LoadAsync();

        Assert.Contains(logger.Messages, m => m.StartsWith("llama.cpp: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_model_file_fails_with_its_path()
    {
        using var client = new LocalGgufChatClient("/nonexistent/model.gguf");

        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => client.GetResponseAsync("hi"));

        Assert.Contains("/nonexistent/model.gguf", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", "XY", "abc", false, "")]
    [InlineData("abcX", "XY", "abc", false, "X")]
    [InlineData("abXYcd", "XY", "ab", true, "")]
    [InlineData("a</s", "</stop>", "a", false, "</s")]
    public void Stop_sequence_buffering_holds_back_only_a_possible_stop_prefix(string text, string stop, string emitted, bool stopped, string held)
    {
        var pending = new StringBuilder(text);

        var (emit, isStopped) = LocalGgufChatClient.TakeEmittable(pending, [stop]);

        Assert.Equal((emitted, stopped, held), (emit, isStopped, pending.ToString()));
    }

    [Fact]
    public void Fim_prompt_uses_fim_tokens_when_present_and_the_prefix_otherwise()
    {
        Assert.Equal(
            new FimPrompt("<|fim_prefix|>int f() {<|fim_suffix|>}<|fim_middle|>", true),
            FimPrompt.Build(FimTokens.Bars, "int f() {", "}"));
        Assert.Equal(new FimPrompt("int f() {", false), FimPrompt.Build((FimTokens?)null, "int f() {", "}"));
    }

    private sealed class RecordingLogger : Microsoft.Extensions.Logging.ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue(formatter(state, exception));
    }

    private static int LocalGgufModelWeightLoads() => LocalGgufModel.WeightLoads;

    private static LocalGgufChatClient NewClient(int contextSize = 384) =>
        new(ModelPath, options: new LocalGgufOptions { Threads = 2, ContextSize = contextSize });

    private static ChatOptions Raw(int maxTokens) => new()
    {
        MaxOutputTokens = maxTokens,
        Temperature = 0,
        Seed = 7,
        AdditionalProperties = new() { [LocalGgufChatClient.RawPromptProperty] = true },
    };

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

        throw new FileNotFoundException(
            $"The test model tests/data/models/stories260K.gguf was not found in any folder above {AppContext.BaseDirectory} " +
            "(expected /work/tests/data/models/stories260K.gguf next to the repository; see tests/data/models/README.md).");
    }
}
