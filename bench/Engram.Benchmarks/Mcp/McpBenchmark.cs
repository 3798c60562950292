using System.Diagnostics;
using System.Globalization;
using System.Text;
using Engram.Features.Hosting;
using Engram.Features.Research;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Engram.Benchmarks.Mcp;

/// <summary>
/// <c>mcp [--chunks N] [--searches N] [--latency-ms N]</c>: <c>search_code</c> round trips over stdio against the real
/// <c>engram mcp</c> process on a lexical-only index of this repository plus generated C# files (about N chunks,
/// default 10,000), and research wall time and model calls per question with a fake model of fixed latency.
/// </summary>
/// <remarks>Needs <c>artifacts/bin/Engram.Cli/release/engram.dll</c> (build src/Engram.Cli -c Release first).</remarks>
internal static class McpBenchmark
{
    private static readonly string[] s_queries =
    [
        "how are bundles updated after an edit", "UpdateIndexAsync", "hamming distance scan", "usage ledger cost per day",
        "parse json configuration file", "circuit breaker opens after failures", "tokenize camelCase identifiers",
        "ComputeInvoiceTotal", "retry with exponential backoff", "read a range of lines from a file",
        "dialogue mode turns", "path outside the workspace root", "embedding of a chunk", "Generated0042 Method17",
    ];

    private static readonly string[] s_questions =
    [
        "How does the index stay consistent when a batch is interrupted?",
        "Where are model calls recorded and how is cost computed?",
        "How are search hits ranked?",
        "What happens when a configuration file is invalid?",
        "How are dialogue turns persisted?",
    ];

    /// <summary>Runs the benchmark; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var targetChunks = Option(args, "--chunks", 10_000);
        var searches = Option(args, "--searches", 500);
        var latency = TimeSpan.FromMilliseconds(Option(args, "--latency-ms", 50));
        var repoRoot = RepositoryRoot();
        var dll = Path.Combine(repoRoot, "artifacts", "bin", "Engram.Cli", "release", "engram.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"{dll} is missing: run 'dotnet build src/Engram.Cli -c Release' first.");
            return 1;
        }

        var work = Path.Combine(Path.GetTempPath(), "engram-mcp-bench", Guid.NewGuid().ToString("N"));
        var root = Path.Combine(work, "workspace");
        var indexDir = Path.Combine(work, "index");
        try
        {
            // Corpus: this repository's src/ and tests/ plus generated files up to the chunk target.
            CopySources(repoRoot, root);
            var build = Stopwatch.StartNew();
            await using var workspace = new EngramWorkspace(new EngramWorkspaceOptions([root], indexDir, LexicalOnly: true));
            var chunks = (await workspace.UpdateIndexAsync(cancellationToken: cancellationToken))[0].Chunks;
            var generatedFiles = 0;
            while (chunks < targetChunks)
            {
                var files = Math.Max(1, (targetChunks - chunks) / 26 + 1);
                for (var i = 0; i < files; i++)
                {
                    WriteGenerated(root, generatedFiles++);
                }

                chunks = (await workspace.UpdateIndexAsync(cancellationToken: cancellationToken))[0].Chunks;
            }

            Console.WriteLine($"corpus: {chunks} chunks ({generatedFiles} generated files), lexical-only index built in {build.Elapsed.TotalSeconds:0.0} s");

            await SearchOverStdioAsync(dll, root, indexDir, searches, cancellationToken);
            await ResearchAsync(workspace, latency, cancellationToken);
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task SearchOverStdioAsync(string dll, string root, string indexDir, int searches, CancellationToken cancellationToken)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [dll, "mcp", "--root", root, "--index-dir", indexDir, "--lexical-only", "--no-index"],
            Name = "engram",
        });
        var start = Stopwatch.StartNew();
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: cancellationToken);
        Console.WriteLine($"stdio: process start + initialize {start.Elapsed.TotalMilliseconds:0} ms");

        // Warm-up: JIT, searcher open, page cache.
        for (var i = 0; i < 20; i++)
        {
            await CallSearchAsync(client, s_queries[i % s_queries.Length], cancellationToken);
        }

        var times = new List<double>(searches);
        for (var i = 0; i < searches; i++)
        {
            var watch = Stopwatch.StartNew();
            await CallSearchAsync(client, s_queries[i % s_queries.Length], cancellationToken);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"search_code over stdio (top 10, {searches} calls): p50 {Percentile(times, 0.50):0.00} ms, p95 {Percentile(times, 0.95):0.00} ms, p99 {Percentile(times, 0.99):0.00} ms, max {times[^1]:0.00} ms"));
    }

    private static async Task CallSearchAsync(McpClient client, string query, CancellationToken cancellationToken)
    {
        var result = await client.CallToolAsync("search_code", new Dictionary<string, object?> { ["query"] = query, ["top"] = 10 }, cancellationToken: cancellationToken);
        if (result.IsError == true)
        {
            throw new InvalidOperationException("search_code failed: " + string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text)));
        }
    }

    private static async Task ResearchAsync(EngramWorkspace workspace, TimeSpan latency, CancellationToken cancellationToken)
    {
        var service = new ResearchService(workspace);
        foreach (var depth in new[] { 1, 3 })
        {
            var walls = new List<double>();
            var calls = new List<int>();
            foreach (var question in s_questions)
            {
                using var model = new FixedLatencyChatClient(latency, depth);
                var watch = Stopwatch.StartNew();
                var result = await service.ResearchAsync(question, depth, model, null, cancellationToken);
                walls.Add(watch.Elapsed.TotalMilliseconds);
                calls.Add(result.ModelCalls);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"research depth {depth}, fake model {latency.TotalMilliseconds:0} ms/call: wall mean {walls.Average():0} ms (min {walls.Min():0}, max {walls.Max():0}), model calls per question {calls.Average():0.0} (min {calls.Min()}, max {calls.Max()})"));
        }

        var extractive = Stopwatch.StartNew();
        foreach (var question in s_questions)
        {
            await service.ResearchAsync(question, 1, null, null, cancellationToken);
        }

        Console.WriteLine($"research without a model (extractive): {extractive.Elapsed.TotalMilliseconds / s_questions.Length:0.0} ms per question, 0 model calls");
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static void CopySources(string repoRoot, string target)
    {
        foreach (var folder in new[] { "src", "tests", "bench", "modes", "docs" })
        {
            var source = Path.Combine(repoRoot, folder);
            if (!Directory.Exists(source))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(repoRoot, file);
                if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("node_modules", StringComparison.Ordinal))
                {
                    continue;
                }

                var destination = Path.Combine(target, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination);
            }
        }
    }

    private static void WriteGenerated(string root, int index)
    {
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"namespace Generated.Area{index % 17};\n\n/// <summary>Generated service {index}.</summary>\npublic sealed class Generated{index:0000}\n{{\n");
        for (var m = 0; m < 25; m++)
        {
            builder.Append(CultureInfo.InvariantCulture, $"    /// <summary>Computes value {m} of service {index} from the order lines and the rate.</summary>\n");
            builder.Append(CultureInfo.InvariantCulture, $"    public decimal Method{m}(decimal amount, decimal rate) => amount * rate + {m}m * {index % 13}m;\n\n");
        }

        builder.Append("}\n");
        var path = Path.Combine(root, "generated", $"Area{index % 17}", $"Generated{index:0000}.cs");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, builder.ToString());
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LanguageServer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("LanguageServer.sln not found above the benchmark.");
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    /// <summary>A fake model that waits a fixed time per call: plans <c>depth</c> queries, then cites the first passage shown.</summary>
    private sealed class FixedLatencyChatClient(TimeSpan latency, int depth) : IChatClient
    {
        private int _calls;

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            await Task.Delay(latency, cancellationToken);
            var list = messages.ToList();
            string text;
            if (Interlocked.Increment(ref _calls) == 1)
            {
                var question = list[^1].Text;
                var words = question.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                text = "[" + string.Join(", ", Enumerable.Range(0, depth).Select(i => $"\"{string.Join(' ', words.Skip(i * 2).Take(4))}\"")) + "]";
            }
            else
            {
                var prompt = list[^1].Text;
                var start = prompt.IndexOf("### ", StringComparison.Ordinal);
                var label = start < 0 ? "none" : prompt[(start + 4)..].Split([' ', '\n'], 2)[0];
                text = $"The answer is in the code ({label}).";
            }

            return new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { ModelId = "fixed-latency" };
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
