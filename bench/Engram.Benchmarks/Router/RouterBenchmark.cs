using System.Diagnostics;
using System.Globalization;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Benchmarks.Router;

/// <summary>
/// In-process overhead of the routing pipeline (capability routing, fallback, budget, usage ledger) over a no-op
/// chat client that answers at once: p50/p95 per call in microseconds, the router against the bare client, side by
/// side in one run. LiteLLM reports 2 ms / 8 ms p50 / p95 for its proxy overhead.
/// </summary>
internal static class RouterBenchmark
{
    private const string Config = """
        {
          "models": [
            { "name": "cloud", "provider": "openai", "capabilities": ["chat", "code"], "costPerMillionInput": 3, "costPerMillionOutput": 15 },
            { "name": "local", "provider": "local-gguf", "capabilities": ["chat", "code", "fim"] },
          ],
          "routes": { "code-action": { "preferred": ["cloud", "local"] } },
          "budgets": { "perRequestUsd": 1, "dailyUsd": 1000000 },
        }
        """;

    private static readonly ChatMessage[] s_prompt = [new(ChatRole.User, "Explain this function in one sentence.")];

    public static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var noOp = new NoOpChatClient();
        var config = EngramConfigLoader.Parse(Config, "router-benchmark.json");
        using var registry = new ModelRegistry(config, _ => new NoOpChatClient());
        var router = new ModelRouter(registry, new InMemoryUsageLedger());
        var routed = router.GetChatClient(ModelTask.CodeAction);

        var bare = await MeasureAsync(noOp, cancellationToken);
        var pipeline = await MeasureAsync(routed, cancellationToken);
        Console.WriteLine("| client | calls | p50 µs | p95 µs |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(Row("no-op client alone", bare));
        Console.WriteLine(Row("router → fallback → budget → no-op", pipeline));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"overhead: p50 {Percentile(pipeline, 0.5) - Percentile(bare, 0.5):0.0} µs, p95 {Percentile(pipeline, 0.95) - Percentile(bare, 0.95):0.0} µs"));
        return 0;
    }

    private static async Task<List<double>> MeasureAsync(IChatClient client, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 2000; i++)
        {
            await client.GetResponseAsync(s_prompt, cancellationToken: cancellationToken);
        }

        var timings = new List<double>(20000);
        for (var i = 0; i < 20000; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await client.GetResponseAsync(s_prompt, cancellationToken: cancellationToken);
            timings.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        timings.Sort();
        return timings;
    }

    private static string Row(string name, List<double> sorted) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {sorted.Count} | {Percentile(sorted, 0.5):0.0} | {Percentile(sorted, 0.95):0.0} |");

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private sealed class NoOpChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
            {
                Usage = new UsageDetails { InputTokenCount = 12, OutputTokenCount = 3, TotalTokenCount = 15 },
            });

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield return new ChatResponseUpdate(ChatRole.Assistant, "ok");
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
