using System.Diagnostics;
using System.Globalization;
using System.Text;
using Engram.Core.Indexing;
using Engram.Features.Completion;

namespace Engram.Benchmarks.Completion;

/// <summary>
/// Next-word completion on files the model never saw:
/// <c>-- completion-heldout --repo NAME=DIR:EXT[,EXT] ... [--held-out N] [--positions N] [--seed N] [--show-misses TYPED]</c>.
/// Per repository: the workspace's indexable files (the engram index's rules) minus a random sample of held-out files
/// with the given extensions train <see cref="WordCompletionModel"/>; then each held-out file is typed from its start:
/// at random word starts, after 0, 1, 2 and 3 typed characters of the word, the open document holds the file's text up
/// to the caret (as the LSP overlay would: <see cref="WordCompletionModel.SetDocument"/> with that prefix) and
/// completion is asked with the last 20 lines before the caret, as <c>textDocument/completion</c> does. A hit is the
/// word the file really has there, ordinally. Baselines in the same run, same positions: the open document's words by
/// frequency (an editor's word-based suggestions) and the training files' words by frequency (workspace unigrams),
/// both filtered by the typed prefix. "seen" is the share of targets that occur in the training files or earlier in
/// the document: no model that suggests only words it has seen can do better. <c>--show-misses 1</c> prints a sample
/// of the positions Engram missed after one typed character to stderr (the line so far, the word, the suggestions).
/// </summary>
internal static class HeldOutCompletionBenchmark
{
    private const int MaxTyped = 3;
    private const int ContextLines = 20;

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var repos = new List<(string Name, string Root, string[] Extensions)>();
        var heldOut = 40;
        var positions = 2000;
        var seed = 16;
        var showMisses = -1;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--repo" when i + 1 < args.Length:
                    var spec = args[++i];
                    var eq = spec.IndexOf('=', StringComparison.Ordinal);
                    var colon = spec.LastIndexOf(':');
                    if (eq <= 0 || colon < eq)
                    {
                        Console.Error.WriteLine($"--repo wants NAME=DIR:EXT[,EXT...], got '{spec}'");
                        return 2;
                    }

                    repos.Add((spec[..eq], Path.GetFullPath(spec[(eq + 1)..colon]), spec[(colon + 1)..].Split(',').Select(e => e.StartsWith('.') ? e : "." + e).ToArray()));
                    break;
                case "--held-out" when i + 1 < args.Length:
                    heldOut = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--positions" when i + 1 < args.Length:
                    positions = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--show-misses" when i + 1 < args.Length:
                    showMisses = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--seed" when i + 1 < args.Length:
                    seed = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'");
                    return 2;
            }
        }

        if (repos.Count == 0)
        {
            Console.Error.WriteLine("usage: completion-heldout --repo NAME=DIR:EXT[,EXT] [--repo ...] [--held-out 40] [--positions 2000] [--seed 16] [--show-misses TYPED]");
            return 2;
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"held-out next-word completion: {heldOut} held-out files per repository, ~{positions} word starts each, seed {seed}");
        report.AppendLine();
        report.AppendLine("| repository | typed | n | seen | engram top-1 | engram top-5 | document words top-1 | top-5 | workspace unigrams top-1 | top-5 |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var latency = new List<string>();
        foreach (var (name, root, extensions) in repos)
        {
            var result = await RunRepositoryAsync(name, root, extensions, heldOut, positions, seed, showMisses, cancellationToken);
            for (var typed = 0; typed <= MaxTyped; typed++)
            {
                var t = result.Tallies[typed];
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"| {name} | {typed} | {t.N} | {t.Rate(t.Seen)} | {t.Rate(t.Engram1)} | {t.Rate(t.Engram5)} | {t.Rate(t.Document1)} | {t.Rate(t.Document5)} | {t.Rate(t.Unigram1)} | {t.Rate(t.Unigram5)} |");
            }

            latency.Add(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {result.TrainingFiles} training files, {result.TrainingTokens:N0} tokens, trained in {result.TrainingSeconds:0.0} s; held out {result.HeldOutFiles} files; Complete p50 {result.P50:0.000} ms, p95 {result.P95:0.000} ms; SetDocument p50 {result.SetP50:0.000} ms"));
        }

        report.AppendLine();
        foreach (var line in latency)
        {
            report.AppendLine(line);
        }

        Console.WriteLine(report.ToString());
        return 0;
    }

    private sealed class Tally
    {
        public int N;
        public int Seen;
        public int Engram1;
        public int Engram5;
        public int Document1;
        public int Document5;
        public int Unigram1;
        public int Unigram5;

        public string Rate(int hits) => N == 0 ? "–" : ((double)hits / N).ToString("0.000", CultureInfo.InvariantCulture);
    }

    private sealed record RepositoryResult(Tally[] Tallies, int TrainingFiles, long TrainingTokens, double TrainingSeconds, int HeldOutFiles, double P50, double P95, double SetP50);

    private static async Task<RepositoryResult> RunRepositoryAsync(string name, string root, string[] extensions, int heldOutCount, int positions, int seed, int showMisses, CancellationToken cancellationToken)
    {
        List<string> files;
        string fullRoot;
        using (var scanner = new WorkspaceScanner(root, IndexOptions.Default.MaxFileBytes))
        {
            files = scanner.EnumerateFiles();
            fullRoot = scanner.Root;
        }

        files.Sort(StringComparer.Ordinal);
        var random = new Random(seed);
        var missSample = new Random(seed + 1); // apart, so showing misses never moves the positions
        var eligible = files.Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase))).ToList();
        var heldOut = eligible.OrderBy(_ => random.Next()).Take(heldOutCount).ToHashSet(StringComparer.Ordinal);
        Console.Error.WriteLine($"{name}: {files.Count} files, {eligible.Count} with {string.Join(",", extensions)}, {heldOut.Count} held out");

        var model = new WordCompletionModel();
        var unigrams = new WordFrequencyBaseline();
        var watch = Stopwatch.StartNew();
        var training = 0;
        foreach (var relative in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (heldOut.Contains(relative))
            {
                continue;
            }

            string text;
            try
            {
                text = await File.ReadAllTextAsync(Path.Combine(fullRoot, relative), cancellationToken);
            }
            catch (IOException)
            {
                continue;
            }

            model.SetDocument(Path.Combine(fullRoot, relative), text);
            unigrams.Add(text);
            training++;
        }

        var trainingSeconds = watch.Elapsed.TotalSeconds;
        var tallies = Enumerable.Range(0, MaxTyped + 1).Select(_ => new Tally()).ToArray();
        var times = new List<double>();
        var setTimes = new List<double>();
        var perFile = Math.Max(1, positions / Math.Max(1, heldOut.Count));
        foreach (var relative in heldOut.Order(StringComparer.Ordinal))
        {
            var key = Path.Combine(fullRoot, relative);
            var text = (await File.ReadAllTextAsync(key, cancellationToken)).Replace("\r\n", "\n", StringComparison.Ordinal);
            var words = WordFrequencyBaseline.Words(text).ToList();
            var chosen = words.OrderBy(_ => random.Next()).Take(perFile).OrderBy(w => w.Start).ToList();
            foreach (var (start, length) in chosen)
            {
                var target = text.Substring(start, length);
                var document = new WordFrequencyBaseline();
                document.Add(text[..start]);
                var seen = unigrams.Contains(target) || document.Contains(target);
                for (var typed = 0; typed <= MaxTyped && typed < length; typed++)
                {
                    var caret = start + typed;
                    var prefix = text[..caret];
                    var setWatch = Stopwatch.StartNew();
                    model.SetDocument(key, prefix);
                    setTimes.Add(setWatch.Elapsed.TotalMilliseconds);

                    var lineStart = LineStart(text, caret, ContextLines);
                    var queryWatch = Stopwatch.StartNew();
                    var suggestions = model.Complete(text[lineStart..caret], null, 5, key).Suggestions.Select(s => s.Word).ToList();
                    times.Add(queryWatch.Elapsed.TotalMilliseconds);

                    var typedText = text.Substring(start, typed);
                    var tally = tallies[typed];
                    tally.N++;
                    tally.Seen += seen ? 1 : 0;
                    Score(suggestions, target, ref tally.Engram1, ref tally.Engram5);
                    if (showMisses == typed && !suggestions.Contains(target) && missSample.Next(8) == 0)
                    {
                        var nl = text.LastIndexOf('\n', Math.Max(0, caret - 1));
                        var line = text[(nl + 1)..caret];
                        Console.Error.WriteLine($"MISS [{line.Trim()}] want {target} seen={seen} got {string.Join(",", suggestions)}");
                    }
                    Score(document.Suggest(typedText, 5), target, ref tally.Document1, ref tally.Document5);
                    Score(unigrams.Suggest(typedText, 5), target, ref tally.Unigram1, ref tally.Unigram5);
                }
            }

            model.RemoveDocument(key);
        }

        times.Sort();
        setTimes.Sort();
        return new RepositoryResult(tallies, training, model.TokenCount, trainingSeconds, heldOut.Count, Percentile(times, 0.50), Percentile(times, 0.95), Percentile(setTimes, 0.50));
    }

    private static void Score(List<string> suggestions, string target, ref int top1, ref int top5)
    {
        var rank = suggestions.IndexOf(target);
        if (rank == 0)
        {
            top1++;
        }

        if (rank is >= 0 and < 5)
        {
            top5++;
        }
    }

    // Offset of the start of the line `lines` lines above the caret's line (0 at the top of the file).
    private static int LineStart(string text, int caret, int lines)
    {
        var i = caret;
        var seen = 0;
        while (i > 0)
        {
            if (text[i - 1] == '\n' && ++seen > lines)
            {
                break;
            }

            i--;
        }

        return i;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
