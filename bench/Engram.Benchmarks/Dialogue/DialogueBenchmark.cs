using System.Diagnostics;
using System.Globalization;
using Engram.Features.Dialogue;
using Engram.Features.Hosting;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Benchmarks.Dialogue;

/// <summary>
/// The dialogue engine over fake models behind the real router and a real SQLite dialogue database: parallel
/// efficiency (three parallel turns against one), orchestration overhead per turn (zero-latency model), memory of a
/// 10-turn dialogue, and ten concurrent dialogues against one. <c>-- dialogue [--latency-ms N]</c> (default 200).
/// </summary>
internal static class DialogueBenchmark
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var latencyMs = args.Length >= 2 && args[0] == "--latency-ms" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var root = Path.Combine(Path.GetTempPath(), "engram-dialogue-bench", Guid.NewGuid().ToString("n")[..8]);
        var modes = Path.Combine(root, "modes");
        Directory.CreateDirectory(modes);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Quality.RepositoryPaths.FindRoot(), "modes"), "*.json"))
        {
            File.Copy(file, Path.Combine(modes, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(modes, "one.json"), Mode("one", "sequential", 1));
        File.WriteAllText(Path.Combine(modes, "three.json"), Mode("three", "parallel", 3));
        File.WriteAllText(Path.Combine(modes, "ten.json"), Mode("ten", "sequential", 10));
        try
        {
            var slow = new LatencyClient(TimeSpan.FromMilliseconds(latencyMs));
            var instant = new LatencyClient(TimeSpan.Zero);
            using var slowModels = Models(root, slow);
            using var instantModels = Models(root, instant);
            var slowService = new DialogueService(slowModels, [modes], Path.Combine(root, "slow.db"), null);
            var instantService = new DialogueService(instantModels, [modes], Path.Combine(root, "instant.db"), null);

            // Warm-up (JIT, SQLite, router pipelines).
            await slowService.RunAsync("three", "warm", cancellationToken: cancellationToken);
            await instantService.RunAsync("ten", "warm", cancellationToken: cancellationToken);

            var one = await MedianAsync(() => slowService.RunAsync("one", "t", cancellationToken: cancellationToken), 5);
            var three = await MedianAsync(() => slowService.RunAsync("three", "t", cancellationToken: cancellationToken), 5);

            var tenRuns = 20;
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < tenRuns; i++)
            {
                await instantService.RunAsync("ten", "t", cancellationToken: cancellationToken);
            }

            var perTurnMs = sw.Elapsed.TotalMilliseconds / (tenRuns * 10);
            var bare = Stopwatch.StartNew();
            for (var i = 0; i < 2000; i++)
            {
                await instant.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], null, cancellationToken);
            }

            var bareUs = bare.Elapsed.TotalMilliseconds * 1000 / 2000;

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            var peakBefore = process.PeakWorkingSet64;
            var tenSummary = await slowService.RunAsync("ten", "memory", cancellationToken: cancellationToken);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var heapAfter = GC.GetTotalMemory(forceFullCollection: false);
            process.Refresh();
            var peakAfter = process.PeakWorkingSet64;

            var single = await MedianAsync(() => slowService.RunAsync("debate", "t", cancellationToken: cancellationToken), 3);
            var concurrent = Stopwatch.StartNew();
            var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => slowService.RunAsync("debate", $"t{i}", cancellationToken: cancellationToken)));
            concurrent.Stop();

            Console.WriteLine($"Dialogue benchmark (fake model latency {latencyMs} ms, real router, SQLite WAL dialogue database)");
            Console.WriteLine();
            Console.WriteLine("| measure | value |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine($"| one turn (median of 5) | {one:F0} ms |");
            Console.WriteLine($"| three parallel turns (median of 5) | {three:F0} ms |");
            Console.WriteLine($"| parallel ratio three / one (ideal 1.00, limit 1.20) | {three / one:F3} |");
            Console.WriteLine($"| orchestration overhead per turn (zero-latency model, 10-turn dialogues) | {perTurnMs:F2} ms |");
            Console.WriteLine($"| bare fake-client call | {bareUs:F1} µs |");
            Console.WriteLine($"| 10-turn dialogue ({tenSummary.Turns} turns, {tenSummary.Status}): allocated | {allocated / 1024.0 / 1024.0:F1} MiB |");
            Console.WriteLine($"| 10-turn dialogue: managed heap before → after | {heapBefore / 1024.0 / 1024.0:F1} → {heapAfter / 1024.0 / 1024.0:F1} MiB |");
            Console.WriteLine($"| process peak working set before → after the 10-turn dialogue | {peakBefore / 1024.0 / 1024.0:F0} → {peakAfter / 1024.0 / 1024.0:F0} MiB |");
            Console.WriteLine($"| one debate (3 turns, 2 phases; median of 3) | {single:F0} ms |");
            Console.WriteLine($"| ten concurrent debates | {concurrent.Elapsed.TotalMilliseconds:F0} ms ({concurrent.Elapsed.TotalMilliseconds / single:F2}× one; {results.Count(r => r.Status == DialogueStatus.Completed)}/10 completed) |");
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<double> MedianAsync(Func<Task<DialogueSummary>> run, int times)
    {
        var samples = new List<double>();
        for (var i = 0; i < times; i++)
        {
            var sw = Stopwatch.StartNew();
            var summary = await run();
            samples.Add(sw.Elapsed.TotalMilliseconds);
            if (summary.Status != DialogueStatus.Completed)
            {
                throw new InvalidOperationException($"dialogue {summary.Id} ended {summary.Status}");
            }
        }

        samples.Sort();
        return samples[samples.Count / 2];
    }

    private static EngramModels Models(string root, IChatClient client)
    {
        var config = new EngramConfig
        {
            Models =
            [
                new ModelDefinition { Name = "fake", Provider = ModelProvider.Fake, Capabilities = [ModelCapability.Chat, ModelCapability.Reasoning, ModelCapability.Review, ModelCapability.Code], CostPerMillionInput = 1, CostPerMillionOutput = 2 },
            ],
        };
        return new EngramModels(root, config, new InMemoryUsageLedger(), _ => client);
    }

    private static string Mode(string name, string structure, int turns) =>
        $$"""{"name":"{{name}}","description":"benchmark","structure":"{{structure}}","turns":[{{string.Join(",", Enumerable.Range(1, turns).Select(i => $$"""{"id":"t{{i}}","role":"r{{i}}","participant":{"model":"fake"},"prompt":"Turn {{i}} on {topic}. Before: {previous}","max_tokens":200}"""))}}]}""";

    private sealed class LatencyClient(TimeSpan latency) : IChatClient
    {
        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, cancellationToken);
            }

            var text = "A position of about forty words on the topic, with a claim, a reason and an example, so that transcripts and prompts have realistic sizes for the benchmark. " + messages.Last().Text.Length;
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 40 } };
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
