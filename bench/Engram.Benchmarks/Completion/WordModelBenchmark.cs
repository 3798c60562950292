using System.Diagnostics;
using System.Globalization;
using Engram.Features.Completion;

namespace Engram.Benchmarks.Completion;

/// <summary>
/// The workspace word-completion model alone: <c>-- word-model [--roots DIR...] [--positions N]</c>. Trains on the
/// roots (default: /usr/lib/python3.11, /usr/lib/python3, /usr/lib/node_modules and this repository, those present), then prints
/// files, tokens, vocabulary, training time, managed heap after training and bytes per token, <c>Complete</c>
/// latency p50/p95/p99 and top-1/top-5 accuracy over random word starts (0–3 characters typed; self-predicted: the
/// model was trained on the same files), and <c>SetDocument</c> latency when re-setting a document with one more
/// token. Positions come from a fixed seed, so two runs on the same files query the same positions.
/// </summary>
internal static class WordModelBenchmark
{
    private static readonly string[] s_defaultRoots = ["/usr/lib/python3.11", "/usr/lib/python3", "/usr/lib/node_modules"];

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var roots = new List<string>();
        var positions = 3000;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--positions" && i + 1 < args.Length)
            {
                positions = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--roots")
            {
                while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    roots.Add(Path.GetFullPath(args[++i]));
                }
            }
            else
            {
                Console.Error.WriteLine($"unknown option '{args[i]}'");
                return 2;
            }
        }

        if (roots.Count == 0)
        {
            roots.AddRange(s_defaultRoots.Where(Directory.Exists));
            roots.Add(Quality.RepositoryPaths.FindRoot());
        }

        Console.WriteLine($"roots: {string.Join(", ", roots)}");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var sw = Stopwatch.StartNew();
        var model = await WordCompletionModel.TrainAsync(roots, cancellationToken);
        sw.Stop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heap = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        var tokens = model.TokenCount;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"files {model.DocumentCount:N0}, tokens {tokens:N0}, vocabulary {model.VocabularySize:N0}, training {sw.Elapsed.TotalSeconds:F1} s, managed heap {heap / 1e6:F1} MB ({(double)heap / Math.Max(1, tokens):F1} bytes/token)"));

        // Query positions: word starts in the training files (those the quick filter keeps), 0..3 characters typed.
        var files = roots
            .SelectMany(r => Directory.EnumerateFiles(r, "*.*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".py", StringComparison.Ordinal) || f.EndsWith(".js", StringComparison.Ordinal) || f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/node_modules/.cache", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var rng = new Random(1);
        var times = new List<double>(positions);
        int top1 = 0, top5 = 0;

        // Warm-up (JIT).
        for (var i = 0; i < 50; i++)
        {
            model.Complete("import o");
            model.Complete("the ");
        }

        while (times.Count < positions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = File.ReadAllText(files[rng.Next(files.Count)]);
            if (text.Length < 100)
            {
                continue;
            }

            var pos = rng.Next(50, text.Length);
            while (pos < text.Length && !char.IsLetter(text[pos]))
            {
                pos++;
            }

            if (pos >= text.Length || char.IsLetterOrDigit(text[pos - 1]) || text[pos - 1] == '_')
            {
                continue;
            }

            var wordEnd = pos;
            while (wordEnd < text.Length && (char.IsLetterOrDigit(text[wordEnd]) || text[wordEnd] == '_'))
            {
                wordEnd++;
            }

            var word = text[pos..wordEnd];
            var typed = Math.Min(word.Length - 1, rng.Next(0, 4));
            var before = text[Math.Max(0, pos - 2000)..(pos + typed)];
            var t = Stopwatch.GetTimestamp();
            var result = model.Complete(before, null, 20);
            times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            var rank = -1;
            for (var k = 0; k < result.Suggestions.Count && k < 5; k++)
            {
                if (result.Suggestions[k].Word == word)
                {
                    rank = k;
                    break;
                }
            }

            top1 += rank == 0 ? 1 : 0;
            top5 += rank >= 0 ? 1 : 0;
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Complete ({times.Count:N0} positions, max 20): p50 {P(times, 0.50):F3} ms, p95 {P(times, 0.95):F3} ms, p99 {P(times, 0.99):F3} ms, max {times[^1]:F3} ms; top-1 {100.0 * top1 / times.Count:F1} %, top-5 {100.0 * top5 / times.Count:F1} %"));

        var setTimes = new List<double>();
        var afterEdit = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var file = files[rng.Next(files.Count)];
            var text = File.ReadAllText(file);
            var t0 = Stopwatch.GetTimestamp();
            model.SetDocument(file, text + "\nx");
            setTimes.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var t1 = Stopwatch.GetTimestamp();
            model.Complete(text[..(text.Length / 2)]);
            afterEdit.Add(Stopwatch.GetElapsedTime(t1).TotalMilliseconds);
        }

        setTimes.Sort();
        afterEdit.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SetDocument (re-set, +1 token; 200 files): p50 {P(setTimes, 0.50):F2} ms, p95 {P(setTimes, 0.95):F2} ms; first Complete after it: p50 {P(afterEdit, 0.50):F3} ms, p95 {P(afterEdit, 0.95):F3} ms"));
        GC.KeepAlive(model);
        return 0;
    }

    private static double P(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * q))];
}
