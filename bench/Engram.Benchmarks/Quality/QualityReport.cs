using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Engram.Benchmarks.Quality;

/// <summary>The results of one run, rendered as a console table, Markdown and JSON.</summary>
/// <param name="Date">When the run finished (local time).</param>
/// <param name="Command">The command line that reproduces the run.</param>
/// <param name="Seconds">Total wall time of the run.</param>
/// <param name="Engram">The engram executable used, or why none was.</param>
/// <param name="Corpora">Results per corpus, in run order.</param>
/// <param name="Failures">Corpora that could not be built, with the reason.</param>
internal sealed record QualityReport(
    DateTimeOffset Date,
    string Command,
    double Seconds,
    string Engram,
    IReadOnlyList<CorpusResult> Corpora,
    IReadOnlyList<string> Failures)
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
    };

    /// <summary>The plain-text report for the console.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine("Retrieval quality, docstring -> code (hit = overlapping lines in the target file)");
        text.AppendLine($"{"corpus",-11} {"queries",7} {"chunks",7}  {"system",-7} {"MRR@10",7} {"R@1",7} {"R@10",7} {"nDCG@10",8}");
        foreach (var corpus in Corpora)
        {
            var first = true;
            foreach (var system in SystemNames.All)
            {
                if (!corpus.Metrics.TryGetValue(system, out var m))
                {
                    continue;
                }

                var head = first ? $"{corpus.Corpus,-11} {corpus.Queries,7} {corpus.Chunks,7}" : new string(' ', 27);
                text.AppendLine(Invariant($"{head}  {system,-7} {m.Mrr10,7:F3} {m.Recall1,7:F3} {m.Recall10,7:F3} {m.Ndcg10,8:F3}"));
                first = false;
            }

            if (!corpus.Metrics.ContainsKey(SystemNames.Engram))
            {
                text.AppendLine($"{new string(' ', 27)}  {"engram",-7} {corpus.EngramStatus}");
            }
        }

        text.AppendLine();
        text.AppendLine("MRR@10 (system x corpus)");
        text.AppendLine($"{"system",-8}" + string.Concat(Corpora.Select(c => $" {c.Corpus,11}")));
        foreach (var system in SystemNames.All)
        {
            text.AppendLine($"{system,-8}" + string.Concat(Corpora.Select(c =>
                c.Metrics.TryGetValue(system, out var m) ? Invariant($" {m.Mrr10,11:F3}") : $" {"-",11}")));
        }

        text.AppendLine($"{"ratio",-8}" + string.Concat(Corpora.Select(c =>
            c.EngramOverBestBaselineMrr is { } r ? Invariant($" {r,11:F2}") : $" {"-",11}")) + "   (Engram MRR / best baseline MRR; goal >= 1.10)");
        foreach (var failure in Failures)
        {
            text.AppendLine($"FAILED {failure}");
        }

        text.Append(Invariant($"engram: {Engram}; total {Seconds:F0} s"));
        return text.ToString();
    }

    /// <summary>The Markdown report: tables, then how the queries were built.</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant($"# Retrieval quality, docstring → code — {Date:yyyy-MM-dd}"));
        md.AppendLine();
        md.AppendLine($"Command: `{Command}`  ");
        md.AppendLine(Invariant($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; total {Seconds:F0} s  "));
        md.AppendLine($"Engram: {Engram}");
        md.AppendLine();
        md.AppendLine("A hit is a returned location in a target's file whose line range overlaps the target's; only the first relevant hit counts (nDCG@10 with ideal DCG = 1).");
        md.AppendLine("Baselines run on the chunks of `Engram.Core.Chunking.Chunker`.");
        md.AppendLine();
        md.AppendLine("| corpus | queries | chunks | system | MRR@10 | R@1 | R@10 | nDCG@10 |");
        md.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|");
        foreach (var corpus in Corpora)
        {
            foreach (var system in SystemNames.All)
            {
                if (corpus.Metrics.TryGetValue(system, out var m))
                {
                    md.AppendLine(Invariant($"| {corpus.Corpus} | {corpus.Queries} | {corpus.Chunks} | {system} | {m.Mrr10:F3} | {m.Recall1:F3} | {m.Recall10:F3} | {m.Ndcg10:F3} |"));
                }
            }

            if (!corpus.Metrics.ContainsKey(SystemNames.Engram))
            {
                md.AppendLine($"| {corpus.Corpus} | {corpus.Queries} | {corpus.Chunks} | engram | {corpus.EngramStatus} | | | |");
            }
        }

        md.AppendLine();
        md.AppendLine("| MRR@10 | " + string.Join(" | ", Corpora.Select(c => c.Corpus)) + " |");
        md.AppendLine("|---|" + string.Concat(Corpora.Select(_ => "---:|")));
        foreach (var system in SystemNames.All)
        {
            md.AppendLine($"| {system} | " + string.Join(" | ", Corpora.Select(c =>
                c.Metrics.TryGetValue(system, out var m) ? Invariant($"{m.Mrr10:F3}") : "–")) + " |");
        }

        md.AppendLine("| Engram / best baseline | " + string.Join(" | ", Corpora.Select(c =>
            c.EngramOverBestBaselineMrr is { } r ? Invariant($"{r:F2}") : "–")) + " |");
        md.AppendLine();
        md.AppendLine("## Corpora");
        md.AppendLine();
        foreach (var corpus in Corpora)
        {
            md.AppendLine($"- **{corpus.Corpus}** ({corpus.Package}, {corpus.Language}): {corpus.Files} files, {corpus.Chunks} chunks, " +
                          $"{corpus.Queries} queries ({string.Join(", ", corpus.QueriesByKind.Select(k => $"{k.Value} {k.Key}"))}; " +
                          $"{corpus.MultiTargetQueries} with several targets).");
            foreach (var (key, value) in corpus.Notes)
            {
                md.AppendLine($"  - {key}: {value}");
            }

            md.AppendLine("  - seconds: " + string.Join(", ", corpus.Seconds.Select(s => Invariant($"{s.Key} {s.Value:F1}"))));
        }

        foreach (var failure in Failures)
        {
            md.AppendLine($"- FAILED {failure}");
        }

        return md.ToString();
    }

    /// <summary>
    /// Writes <c>quality-&lt;yyyy-MM-dd&gt;.json</c> and <c>.md</c> into <paramref name="directory"/> (created if
    /// needed, same-day files overwritten) and returns their paths.
    /// </summary>
    public (string Json, string Markdown) Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, $"quality-{Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}");
        var json = stem + ".json";
        var markdown = stem + ".md";
        var payload = new
        {
            benchmark = "quality",
            date = Date,
            command = Command,
            machine = new { cores = Environment.ProcessorCount, os = RuntimeInformation.OSDescription, runtime = Environment.Version.ToString() },
            seconds = Math.Round(Seconds, 1),
            engram = Engram,
            corpora = Corpora,
            failures = Failures,
        };
        File.WriteAllText(json, JsonSerializer.Serialize(payload, s_json));
        File.WriteAllText(markdown, ToMarkdown());
        return (json, markdown);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
