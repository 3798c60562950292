using System.Globalization;
using Engram.Core.Hypervectors;
using Engram.Core.Search;
using Engram.Models.Embeddings;

namespace Engram.Benchmarks.Tuning;

/// <summary>
/// Replays the quality benchmark's queries in-process against the Engram indexes it built and reports MRR@10 for
/// alternative fusions of the per-candidate features (embedding cosine, BM25F, hypervector similarity), so that
/// re-ranking choices are measured rather than guessed. Reads <c>&lt;work&gt;/ranks/*.tsv</c> for targets.
/// </summary>
internal static class FusionTuner
{
    private sealed record Candidate(string Path, int Start, int End, double Dense, double Lexical, double Hv)
    {
        public double Signature { get; set; }
    }

    public static async Task<int> RunAsync(string workDirectory, CancellationToken cancellationToken)
    {
        var encoder = new HypervectorEncoder(EncoderSettings.Default, 384);
        using var embedder = LazyEmbeddingGenerator.MiniLm();
        var formulas = Formulas();
        Console.WriteLine("corpus\t" + string.Join('\t', formulas.Select(f => f.Name)) + "\trecall@200");
        foreach (var corpus in new[] { "newtonsoft", "nodatime", "ramda", "underscore" })
        {
            var ranks = Path.Combine(workDirectory, "ranks", corpus + ".tsv");
            var index = Path.Combine(workDirectory, "engram", corpus, "index", "engram.db");
            if (!File.Exists(ranks) || !File.Exists(index))
            {
                continue;
            }

            var queries = File.ReadAllLines(ranks).Skip(1).Select(l => l.Split('\t')).Select(c => (Targets: ParseTargets(c[^2]), Text: c[^1])).ToList();
            EngramSearcher searcher;
            try
            {
                searcher = EngramSearcher.Open(Path.Combine(workDirectory, "corpora", corpus), index, encoder, embedder);
            }
            catch (Engram.Core.Storage.IndexStoreException ex)
            {
                Console.WriteLine($"{corpus}\tskipped: {ex.Message}");
                continue;
            }

            using var searcherScope = searcher;
            // Signature view: a short text per chunk (file stem, symbol, declaration line), embedded once.
            var signatures = new Dictionary<(string, int), float[]>();
            using (var store = Engram.Core.Storage.EngramStore.Open(index, encoder.Dimension, create: false))
            {
                var chunks = store.LoadFiles().Keys.SelectMany(store.LoadChunks).ToList();
                var texts = chunks.Select(SignatureText).ToList();
                var model = OnnxSentenceEmbedder.CreateMiniLm(0, 64);
                var vectors = model.EmbedBatch(texts, cancellationToken);
                for (var i = 0; i < chunks.Count; i++)
                {
                    signatures[(chunks[i].Path, chunks[i].StartLine)] = vectors[i];
                }
            }

            var perQuery = new List<(List<(string Path, int Start, int End)> Targets, List<Candidate> Candidates)>();
            foreach (var (targets, text) in queries)
            {
                var hits = await searcher.SearchAsync(text, new SearchOptions(Top: 200, Candidates: 200), cancellationToken);
                var queryVector = ((LazyEmbeddingGenerator)embedder).GenerateAsync([text], cancellationToken: cancellationToken).Result[0].Vector.ToArray();
                perQuery.Add((targets, hits.Select(h => new Candidate(h.Path, h.StartLine, h.EndLine, h.Dense, h.Lexical, h.HypervectorSimilarity)
                {
                    Signature = signatures.TryGetValue((h.Path, h.StartLine), out var sv) ? Dot(sv, queryVector) : 0,
                }).ToList()));
            }

            var recall = perQuery.Count(q => q.Candidates.Any(c => IsHit(c, q.Targets))) / (double)perQuery.Count;
            var mrrs = formulas.Select(f => perQuery.Average(q => ReciprocalRank(f.Score(q.Candidates), q.Candidates, q.Targets)));
            Console.WriteLine(corpus + "\t" + string.Join('\t', mrrs.Select(m => m.ToString("0.000", CultureInfo.InvariantCulture))) + "\t" + recall.ToString("0.000", CultureInfo.InvariantCulture));
        }

        return 0;
    }

    private static List<(string Name, Func<List<Candidate>, double[]> Score)> Formulas()
    {
        var list = new List<(string, Func<List<Candidate>, double[]>)>();
        foreach (var w in new[] { 0.5, 0.6, 0.7, 0.8, 0.9, 1.0 })
        {
            list.Add(($"max{w:0.0}", c => MaxNorm(c, w)));
        }

        foreach (var w in new[] { 0.6, 0.7, 0.8 })
        {
            foreach (var k in new[] { 3.0, 8.0 })
            {
                list.Add(($"sat{w:0.0}k{k:0}", c => c.Select(x => w * Math.Max(0, x.Dense) + (1 - w) * x.Lexical / (x.Lexical + k)).ToArray()));
            }
        }

        foreach (var w in new[] { 0.5, 0.6, 0.7 })
        {
            list.Add(($"z{w:0.0}", c => ZFusion(c, w)));
        }

        foreach (var w in new[] { 0.5, 0.6, 0.7 })
        {
            foreach (var t in new[] { 5.0, 10.0, 15.0, 20.0, 30.0 })
            {
                list.Add(($"floor{w:0.0}t{t:0}", c =>
                {
                    var max = Math.Max(t, c.Count == 0 ? 0 : c.Max(x => x.Lexical));
                    return c.Select(x => w * Math.Max(0, x.Dense) + (1 - w) * x.Lexical / max).ToArray();
                }));
            }
        }

        foreach (var (a, b, h) in new[] { (0.5, 0.5, 0.2), (0.5, 0.5, 0.4), (0.6, 0.4, 0.3), (0.5, 0.3, 0.3), (0.6, 0.3, 0.2), (0.5, 0.4, 0.4), (0.4, 0.4, 0.4) })
        {
            list.Add(($"zh{a:0.0}/{b:0.0}/{h:0.0}", c =>
            {
                var d = Z(c.Select(x => x.Dense).ToArray());
                var l = Z(c.Select(x => x.Lexical).ToArray());
                var v = Z(c.Select(x => x.Hv).ToArray());
                return d.Select((x, i) => a * x + b * l[i] + h * v[i]).ToArray();
            }));
        }

        foreach (var (w, h) in new[] { (0.6, 0.5), (0.6, 1.0), (0.7, 1.0), (0.6, 2.0) })
        {
            list.Add(($"fl{w:0.0}hv{h:0.0}", c =>
            {
                var max = Math.Max(20, c.Count == 0 ? 0 : c.Max(x => x.Lexical));
                var hvMax = c.Count == 0 ? 0 : c.Max(x => x.Hv);
                return c.Select(x => w * Math.Max(0, x.Dense) + (1 - w) * x.Lexical / max + h * (x.Hv - hvMax)).ToArray();
            }));
        }

        list.Add(("hv", c => c.Select(x => x.Hv).ToArray()));
        list.Add(("sig", c => c.Select(x => x.Signature).ToArray()));
        foreach (var w in new[] { 0.6, 0.7, 0.8 })
        {
            foreach (var a in new[] { 0.3, 0.5 })
            {
                list.Add(($"mix{w:0.0}a{a:0.0}", c =>
                {
                    var max = c.Count == 0 ? 0 : c.Max(x => x.Lexical);
                    return c.Select(x => w * Math.Max(0, (1 - a) * x.Dense + a * x.Signature) + (1 - w) * (max > 0 ? x.Lexical / max : 0)).ToArray();
                }));
            }
        }
        foreach (var h in new[] { 0.2, 0.4 })
        {
            list.Add(($"max0.7+hv{h:0.0}", c => { var b = MaxNorm(c, 0.7); var z = Z(c.Select(x => x.Hv).ToArray()); return b.Select((v, i) => v + h * 0.1 * z[i]).ToArray(); }));
        }

        return list;
    }

    private static string SignatureText(Engram.Core.Chunking.Chunk chunk)
    {
        var stem = Path.GetFileNameWithoutExtension(chunk.Path);
        var declaration = chunk.Code.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("import ", StringComparison.Ordinal) && !l.StartsWith("using ", StringComparison.Ordinal) && !l.StartsWith("[", StringComparison.Ordinal)) ?? "";
        var words = string.Join(' ', Engram.Core.Text.TermTokenizer.Tokenize($"{stem} {chunk.Symbol}").Distinct());
        return $"{words}\n{declaration}";
    }

    private static double Dot(float[] a, float[] b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    private static double[] MaxNorm(List<Candidate> c, double w)
    {
        var max = c.Count == 0 ? 0 : c.Max(x => x.Lexical);
        return c.Select(x => w * Math.Max(0, x.Dense) + (1 - w) * (max > 0 ? x.Lexical / max : 0)).ToArray();
    }

    private static double[] ZFusion(List<Candidate> c, double w)
    {
        var d = Z(c.Select(x => x.Dense).ToArray());
        var l = Z(c.Select(x => x.Lexical).ToArray());
        return d.Select((v, i) => w * v + (1 - w) * l[i]).ToArray();
    }

    private static double[] Z(double[] values)
    {
        if (values.Length == 0)
        {
            return values;
        }

        var mean = values.Average();
        var sd = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        return values.Select(v => sd > 0 ? (v - mean) / sd : 0).ToArray();
    }

    private static double ReciprocalRank(double[] scores, List<Candidate> candidates, List<(string Path, int Start, int End)> targets)
    {
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).Take(10).ToList();
        for (var r = 0; r < order.Count; r++)
        {
            if (IsHit(candidates[order[r]], targets))
            {
                return 1.0 / (r + 1);
            }
        }

        return 0;
    }

    private static bool IsHit(Candidate c, List<(string Path, int Start, int End)> targets) =>
        targets.Any(t => t.Path == c.Path && c.Start <= t.End && t.Start <= c.End);

    private static List<(string, int, int)> ParseTargets(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t =>
    {
        var colon = t.LastIndexOf(':');
        var range = t[(colon + 1)..].Split('-');
        return (t[..colon], int.Parse(range[0], CultureInfo.InvariantCulture), int.Parse(range[1], CultureInfo.InvariantCulture));
    }).ToList();
}
