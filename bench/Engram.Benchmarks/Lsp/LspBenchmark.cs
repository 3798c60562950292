using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Engram.Features.Hosting;
using Engram.LanguageServer;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;
using Nerdbank.Streams;
using StreamJsonRpc;

namespace Engram.Benchmarks.Lsp;

/// <summary>
/// <c>engram-bench lsp [--root DIR] [--embeddings]</c>: the language server in process over an in-memory pipe, driven
/// by a StreamJsonRpc client. Prints next-word completion latency (p50/p95 over 1,000 positions in this repository's
/// <c>src/</c>, round trip through LSP and the word model alone), inline-completion overhead with a model that answers
/// at once (p50/p95), and freshness: didSave → searchable through <c>engram.search</c>, didChange → searchable through
/// the unsaved-document overlay, didChange → offered by completion.
/// </summary>
internal static class LspBenchmark
{
    /// <summary>Runs the benchmark; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var root = args.SkipWhile(a => a != "--root").Skip(1).FirstOrDefault() ?? Path.Combine(Quality.RepositoryPaths.FindRoot(), "src");
        var embeddings = args.Contains("--embeddings");
        var work = Path.Combine(Path.GetTempPath(), "engram-bench-lsp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            // Scratch copy for the freshness runs (never write into the repository).
            var scratch = Path.Combine(work, "scratch");
            CopyTree(root, scratch);
            var fake = new InstantChatClient();
            var options = new LspServerOptions
            {
                IndexDirectory = Path.Combine(work, "index"),
                LexicalOnly = !embeddings,
                ModelsFactory = r => new EngramModels(r, new EngramConfig
                {
                    Models = [new ModelDefinition { Name = "instant", Provider = ModelProvider.Fake, Capabilities = [ModelCapability.Fim, ModelCapability.Chat] }],
                }, new InMemoryUsageLedger(), _ => fake),
            };

            var (clientStream, serverStream) = FullDuplexStream.CreatePair();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var server = Task.Run(() => LanguageServerHost.RunAsync(serverStream, serverStream, options, stop.Token), CancellationToken.None);
            var statusReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var trained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var serverTimes = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using var rpc = new JsonRpc(new HeaderDelimitedMessageHandler(clientStream, clientStream, new SystemTextJsonFormatter()));
            rpc.AddLocalRpcTarget(new ClientTarget(
                status => { if (status.GetProperty("index").GetProperty("state").GetString() == "ready") { statusReady.TrySetResult(); } },
                log => { if (log.GetProperty("message").GetString()!.StartsWith("Word completion trained", StringComparison.Ordinal)) { trained.TrySetResult(); } },
                trace => serverTimes.Enqueue(trace.GetProperty("message").GetString()!)));
            rpc.StartListening();

            var started = Stopwatch.StartNew();
            var rootUri = new Uri(scratch).AbsoluteUri;
            await rpc.InvokeWithParameterObjectAsync<JsonElement>("initialize", new
            {
                rootUri,
                capabilities = new { },
                initializationOptions = new { inlineCompletion = new { debounceMs = 0 } },
                trace = "messages",
            }, cancellationToken);
            await rpc.NotifyWithParameterObjectAsync("initialized", new { });
            await Task.WhenAll(statusReady.Task, trained.Task).WaitAsync(TimeSpan.FromMinutes(10), cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"root: {root} ({(embeddings ? "embeddings" : "lexical only")}); index built and word model trained in {started.Elapsed.TotalSeconds:0.0} s"));

            var files = Directory.EnumerateFiles(scratch, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            var texts = files.ToDictionary(f => f, File.ReadAllText);
            foreach (var file in files)
            {
                await rpc.NotifyWithParameterObjectAsync("textDocument/didOpen", new { textDocument = new { uri = new Uri(file).AbsoluteUri, languageId = "csharp", version = 1, text = texts[file] } });
            }

            var positions = SamplePositions(files, texts, 1000);
            var model = await Features.Completion.WordCompletionModel.TrainAsync([scratch], cancellationToken);

            // Warm-up, then measure.
            foreach (var p in positions.Take(50))
            {
                await CompleteAsync(rpc, p, cancellationToken);
            }

            var lspTimes = new List<double>();
            var modelTimes = new List<double>();
            var hits = 0;
            foreach (var p in positions)
            {
                var watch = Stopwatch.StartNew();
                var labels = await CompleteAsync(rpc, p, cancellationToken);
                lspTimes.Add(watch.Elapsed.TotalMilliseconds);
                if (labels.Take(5).Contains(p.Expected))
                {
                    hits++;
                }

                var text = texts[p.File];
                var lineStart = LineStartOffset(text, Math.Max(0, p.Line - 20));
                watch.Restart();
                model.Complete(text[lineStart..p.Offset], "csharp", 20);
                modelTimes.Add(watch.Elapsed.TotalMilliseconds);
            }

            Report("completion round trip (LSP, in-memory pipe)", lspTimes);
            Report("completion server-side (handler, from $/logTrace)", ServerTimes(serverTimes, "textDocument/completion:").TakeLast(1000).ToList());
            Report("completion word model alone (server-side)", modelTimes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  expected word in the top 5: {hits * 100.0 / positions.Count:0.0}% of {positions.Count} mid-identifier positions"));

            var inlineTimes = new List<double>();
            foreach (var p in positions.Take(220))
            {
                var watch = Stopwatch.StartNew();
                await rpc.InvokeWithParameterObjectAsync<JsonElement>("textDocument/inlineCompletion", new
                {
                    textDocument = new { uri = new Uri(p.File).AbsoluteUri },
                    position = new { line = p.Line, character = p.Character },
                    context = new { triggerKind = 1 },
                }, cancellationToken);
                inlineTimes.Add(watch.Elapsed.TotalMilliseconds);
            }

            Report("inline completion overhead, round trip (instant model, engram context included)", inlineTimes.Skip(20).ToList());
            Report("inline completion overhead, server-side handler", ServerTimes(serverTimes, "textDocument/inlineCompletion:").Skip(20).ToList());
            Console.WriteLine($"  model calls: {fake.Calls}");

            var saveTimes = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var word = $"FreshnessProbe{i}{Guid.NewGuid():N}"[..30];
                var path = Path.Combine(scratch, $"Fresh{i}.cs");
                await File.WriteAllTextAsync(path, $"public class Fresh{i} {{ public void {word}() {{ }} }}\n", cancellationToken);
                var watch = Stopwatch.StartNew();
                await rpc.NotifyWithParameterObjectAsync("textDocument/didSave", new { textDocument = new { uri = new Uri(path).AbsoluteUri } });
                while (!await FoundAsync(rpc, word, cancellationToken))
                {
                    await Task.Delay(10, cancellationToken);
                }

                saveTimes.Add(watch.Elapsed.TotalMilliseconds);
            }

            Report($"didSave → searchable (engram.search; includes the {options.IndexDebounce.TotalMilliseconds:0} ms debounce)", saveTimes);

            // Unsaved edits: a didChange adds a method to an open file; the overlay makes it searchable without a save.
            var overlayTimes = new List<double>();
            var overlayFile = files.OrderByDescending(f => texts[f].Length).ThenBy(f => f, StringComparer.Ordinal).First();
            var overlayUri = new Uri(overlayFile).AbsoluteUri;
            var overlayText = texts[overlayFile];
            for (var i = 0; i < 30; i++)
            {
                var word = $"OverlayProbe{i}{Guid.NewGuid():N}"[..30];
                overlayText += $"\npublic class OverlayProbe{i} {{ public void {word}() {{ }} }}\n";
                var watch = Stopwatch.StartNew();
                await rpc.NotifyWithParameterObjectAsync("textDocument/didChange", new
                {
                    textDocument = new { uri = overlayUri, version = 100 + i },
                    contentChanges = new[] { new { text = overlayText } },
                });
                while (!await FoundAsync(rpc, word, cancellationToken))
                {
                    await Task.Delay(2, cancellationToken);
                }

                overlayTimes.Add(watch.Elapsed.TotalMilliseconds);
            }

            Report($"didChange → searchable (overlay; engram.search; includes the {options.OverlayDebounce.TotalMilliseconds:0} ms debounce, {overlayText.Length / 1024} KB file)", overlayTimes.Skip(5).ToList());

            var changeTimes = new List<double>();
            var probeFile = files[0];
            var probeUri = new Uri(probeFile).AbsoluteUri;
            for (var i = 0; i < 10; i++)
            {
                var word = $"zqxChangeProbe{i}x";
                var lines = texts[probeFile].Split('\n').Length;
                var watch = Stopwatch.StartNew();
                await rpc.NotifyWithParameterObjectAsync("textDocument/didChange", new
                {
                    textDocument = new { uri = probeUri, version = 10 + i },
                    contentChanges = new[] { new { range = new { start = new { line = lines, character = 0 }, end = new { line = lines, character = 0 } }, text = $"\n// {word} {word}\n// zqx" } },
                });
                while (true)
                {
                    var result = await rpc.InvokeWithParameterObjectAsync<JsonElement>("textDocument/completion", new
                    {
                        textDocument = new { uri = probeUri },
                        position = new { line = lines + 2, character = 6 },
                    }, cancellationToken);
                    if (result.GetProperty("items").EnumerateArray().Any(item => item.GetProperty("label").GetString() == word))
                    {
                        break;
                    }
                }

                changeTimes.Add(watch.Elapsed.TotalMilliseconds);
            }

            Report("didChange → offered by completion (word model update)", changeTimes);

            await rpc.InvokeWithCancellationAsync<JsonElement>("shutdown", [], cancellationToken);
            await rpc.NotifyAsync("exit");
            var exit = await server.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return exit;
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

    private sealed record Probe(string File, int Line, int Character, int Offset, string Expected);

    private static async Task<List<string>> CompleteAsync(JsonRpc rpc, Probe p, CancellationToken cancellationToken)
    {
        var result = await rpc.InvokeWithParameterObjectAsync<JsonElement>("textDocument/completion", new
        {
            textDocument = new { uri = new Uri(p.File).AbsoluteUri },
            position = new { line = p.Line, character = p.Character },
        }, cancellationToken);
        return result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("label").GetString()!).ToList();
    }

    private static async Task<bool> FoundAsync(JsonRpc rpc, string word, CancellationToken cancellationToken)
    {
        var result = await rpc.InvokeWithParameterObjectAsync<JsonElement>("workspace/executeCommand", new { command = "engram.search", arguments = new object[] { word, 3 } }, cancellationToken);
        return result.GetProperty("hits").EnumerateArray().Any(h => h.TryGetProperty("symbol", out var s) && s.GetString() == word);
    }

    /// <summary>Carets two characters into identifiers of at least 4 characters (fixed seed), with the identifier as the expected word.</summary>
    private static List<Probe> SamplePositions(List<string> files, Dictionary<string, string> texts, int count)
    {
        var random = new Random(20261125);
        var probes = new List<Probe>();
        while (probes.Count < count)
        {
            var file = files[random.Next(files.Count)];
            var text = texts[file];
            if (text.Length < 10)
            {
                continue;
            }

            var at = random.Next(text.Length);
            while (at > 0 && IsWord(text[at - 1]))
            {
                at--;
            }

            var end = at;
            while (end < text.Length && IsWord(text[end]))
            {
                end++;
            }

            if (end - at < 4 || !char.IsLetter(text[at]))
            {
                continue;
            }

            var offset = at + 2;
            var line = text.AsSpan(0, offset).Count('\n');
            var character = offset - (text.LastIndexOf('\n', offset - 1) + 1);
            probes.Add(new Probe(file, line, character, offset, text[at..end]));
        }

        return probes;
    }

    /// <summary>Milliseconds parsed from the server's "METHOD: ... in X ms" trace lines.</summary>
    private static List<double> ServerTimes(IEnumerable<string> traces, string prefix) => traces
        .Where(t => t.StartsWith(prefix, StringComparison.Ordinal))
        .Select(t => double.Parse(t[(t.LastIndexOf(" in ", StringComparison.Ordinal) + 4)..^3], CultureInfo.InvariantCulture))
        .ToList();

    private static int LineStartOffset(string text, int line)
    {
        var offset = 0;
        for (var i = 0; i < line && offset >= 0; i++)
        {
            offset = text.IndexOf('\n', offset) + 1;
            if (offset == 0)
            {
                return 0;
            }
        }

        return offset;
    }

    private static bool IsWord(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static void Report(string what, List<double> times)
    {
        var sorted = times.Order().ToList();
        double P(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: n={sorted.Count} p50={P(0.5):0.00} ms p95={P(0.95):0.00} ms max={sorted[^1]:0.00} ms"));
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>The notifications the benchmark waits for.</summary>
    private sealed class ClientTarget(Action<JsonElement> onStatus, Action<JsonElement> onLog, Action<JsonElement> onTrace)
    {
        [JsonRpcMethod("$/logTrace", UseSingleObjectParameterDeserialization = true)]
        public void LogTrace(JsonElement p) => onTrace(p);

        [JsonRpcMethod("engram/status", UseSingleObjectParameterDeserialization = true)]
        public void Status(JsonElement p) => onStatus(p);

        [JsonRpcMethod("window/logMessage", UseSingleObjectParameterDeserialization = true)]
        public void LogMessage(JsonElement p) => onLog(p);
    }

    /// <summary>A model that answers at once, so inline timings are the server's own overhead.</summary>
    private sealed class InstantChatClient : IChatClient
    {
        private int _calls;

        public int Calls => _calls;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "return value;")) { ModelId = "instant" });
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var response = await GetResponseAsync(messages, options, cancellationToken);
            foreach (var update in response.ToChatResponseUpdates())
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }
}
