using System.Diagnostics;
using System.Globalization;
using System.Text;
using Engram.Benchmarks.Quality;
using Engram.Models.Discovery;
using Engram.Models.Providers.LocalGguf;
using Microsoft.Extensions.AI;

namespace Engram.Benchmarks.LocalCompletion;

/// <summary>
/// Issue 3: local completion with prefix reuse on a random-weight GGUF of Qwen2.5-0.5B Q4 shape, generated at run time.
/// Cold (load + full prompt + 32 tokens) vs warm (one-character edit near the end of a ~1k-token prompt) vs no reuse
/// (the same edit near the start). Target: warm p50 ≤ 300 ms on 2 cores.
/// </summary>
internal static class LocalCompletionBenchmark
{
    private const int PromptWords = 999; // + BOS = 1,000 tokens: every "▁xyz" word is one token in the generated vocabulary
    private const int NewTokens = 32;
    private const int WarmRuns = 10;
    private const int NoReuseRuns = 3;

    private sealed record Sample(double TotalMs, double FirstTokenMs, int PromptTokens, int Generated, long Reused);

    public static async Task<int> RunAsync(string workDirectory, string resultsDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workDirectory);
        var modelPath = Path.Combine(workDirectory, "random-qwen2.5-0.5b-shape-q4_0.gguf");
        var clock = Stopwatch.StartNew();
        RandomGgufWriter.Write(modelPath);
        var writeMs = clock.Elapsed.TotalMilliseconds;
        var header = GgufHeader.Read(modelPath);
        Console.WriteLine($"wrote {modelPath} ({new FileInfo(modelPath).Length / 1048576.0:F0} MiB, {writeMs:F0} ms): arch {header.Architecture}, " +
            $"{header.BlockCount} layers, hidden {header.EmbeddingLength}, vocab {header.VocabularySize}, {header.Quantization}");

        try
        {
            var threads = Environment.ProcessorCount;
            using var client = new LocalGgufChatClient(modelPath, options: new LocalGgufOptions { Threads = threads, ContextSize = 2048 });
            var random = new Random(7);
            var words = Enumerable.Range(0, PromptWords).Select(_ => RandomWord(random)).ToArray();

            clock.Restart();
            await client.LoadAsync(cancellationToken);
            var loadMs = clock.Elapsed.TotalMilliseconds;
            var cold = await CompleteAsync(client, words, cancellationToken);
            Console.WriteLine($"cold: load {loadMs:F0} ms + request {cold.TotalMs:F0} ms, prompt {cold.PromptTokens} tokens, {cold.Generated} generated, reused {cold.Reused}");

            var warm = new List<Sample>();
            for (var i = 0; i < WarmRuns; i++)
            {
                var edited = Edit(words, PromptWords - 3 - (i % 5), i);
                var sample = await CompleteAsync(client, edited, cancellationToken);
                warm.Add(sample);
                Console.WriteLine($"warm {i + 1}: {sample.TotalMs:F0} ms (first token {sample.FirstTokenMs:F0} ms), reused {sample.Reused}/{sample.PromptTokens}, {sample.Generated} generated");
            }

            var noReuse = new List<Sample>();
            for (var i = 0; i < NoReuseRuns; i++)
            {
                var edited = Edit(words, 0, i);
                var sample = await CompleteAsync(client, edited, cancellationToken);
                noReuse.Add(sample);
                Console.WriteLine($"no reuse {i + 1}: {sample.TotalMs:F0} ms (first token {sample.FirstTokenMs:F0} ms), reused {sample.Reused}/{sample.PromptTokens}, {sample.Generated} generated");
            }

            // Prompt throughput from the no-reuse runs (whole prompt re-evaluated), generation throughput from the warm runs.
            var promptTokensPerSecond = noReuse.Select(s => (s.PromptTokens - s.Reused) / (s.FirstTokenMs / 1000)).Median();
            var generationTokensPerSecond = warm.Select(s => (s.Generated - 1) / ((s.TotalMs - s.FirstTokenMs) / 1000)).Median();
            var warmP50 = Percentile(warm.Select(s => s.TotalMs), 0.50);
            var date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var md = new StringBuilder();
            md.AppendLine(CultureInfo.InvariantCulture, $"# Local completion benchmark ({date})");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Command: `dotnet run -c Release --project bench/Engram.Benchmarks -- local-completion`. Machine: {Environment.ProcessorCount} logical cores ({threads} threads), {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, LLamaSharp CPU backend.");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Model: random Q4_0 weights in the shape of Qwen2.5-0.5B (hidden 896, 24 layers, 14 heads / 2 KV heads, FFN 4864, vocab 151936, rope θ 1e6, RMS ε 1e-6, tied output), generated at run time ({new FileInfo(modelPath).Length / 1048576.0:F0} MiB), declared as architecture `llama` with an SPM vocabulary, so qwen2's q/k/v attention biases are absent and the tokenizer is not Qwen's BPE. Prompt: {cold.PromptTokens} tokens of random three-letter words (raw prompt mode), temperature 0, {NewTokens} new tokens, context 2048.");
            md.AppendLine();
            md.AppendLine("| case | runs | p50 ms | p95 ms | first token p50 ms | reused prompt tokens (p50) | generated (p50) |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            md.AppendLine(CultureInfo.InvariantCulture, $"| cold (load {loadMs:F0} ms + request) | 1 | {loadMs + cold.TotalMs:F0} | – | {cold.FirstTokenMs:F0} | {cold.Reused} | {cold.Generated} |");
            Row(md, "warm: 1-char edit near the end", warm);
            Row(md, "no reuse: 1-char edit at the start", noReuse);
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Prompt evaluation: {promptTokensPerSecond:F0} tokens/s; generation: {generationTokensPerSecond:F1} tokens/s.");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Target warm p50 ≤ 300 ms on 2 cores: **{(warmP50 <= 300 ? "met" : "not met")}** ({warmP50:F0} ms on {Environment.ProcessorCount} cores).");
            Console.WriteLine();
            Console.Write(md);
            Directory.CreateDirectory(resultsDirectory);
            var resultPath = Path.Combine(resultsDirectory, $"local-completion-{date}.md");
            await File.WriteAllTextAsync(resultPath, md.ToString(), cancellationToken);
            Console.WriteLine($"wrote {resultPath}");
            return 0;
        }
        finally
        {
            File.Delete(modelPath);
        }
    }

    public static string DefaultWorkDirectory() => Path.Combine(RepositoryPaths.FindRoot(), "bench", "results", "work", "local-completion");

    private static void Row(StringBuilder md, string name, List<Sample> samples) =>
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| {name} | {samples.Count} | {Percentile(samples.Select(s => s.TotalMs), 0.5):F0} | {Percentile(samples.Select(s => s.TotalMs), 0.95):F0} | " +
            $"{Percentile(samples.Select(s => s.FirstTokenMs), 0.5):F0} | {Percentile(samples.Select(s => (double)s.Reused), 0.5):F0} | {Percentile(samples.Select(s => (double)s.Generated), 0.5):F0} |");

    private static async Task<Sample> CompleteAsync(LocalGgufChatClient client, string[] words, CancellationToken cancellationToken)
    {
        var options = new ChatOptions
        {
            Temperature = 0,
            MaxOutputTokens = NewTokens,
            AdditionalProperties = new() { [LocalGgufChatClient.RawPromptProperty] = true },
        };
        var clock = Stopwatch.StartNew();
        double? firstToken = null;
        UsageDetails? usage = null;
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, string.Join(' ', words))], options, cancellationToken))
        {
            if (firstToken is null && !string.IsNullOrEmpty(update.Text))
            {
                firstToken = clock.Elapsed.TotalMilliseconds;
            }

            usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
        }

        var total = clock.Elapsed.TotalMilliseconds;
        var reused = usage?.AdditionalCounts?.GetValueOrDefault(LocalGgufChatClient.ReusedPromptTokensCount) ?? -1;
        return new Sample(total, firstToken ?? total, (int)(usage?.InputTokenCount ?? 0), (int)(usage?.OutputTokenCount ?? 0), reused);
    }

    private static string RandomWord(Random random) =>
        string.Create(3, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + r.Next(26));
            }
        });

    /// <summary>A copy of <paramref name="words"/> with one letter of word <paramref name="index"/> changed.</summary>
    private static string[] Edit(string[] words, int index, int variant)
    {
        var copy = (string[])words.Clone();
        var chars = copy[index].ToCharArray();
        chars[1] = (char)('a' + ((chars[1] - 'a' + 1 + variant) % 26));
        copy[index] = new string(chars);
        return copy;
    }

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static double Median(this IEnumerable<double> values) => Percentile(values, 0.5);
}
