using System.Diagnostics;
using System.Globalization;
using Engram.Core.Chunking;
using Engram.Models.Embeddings;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// The docstring → code retrieval-quality benchmark of BENCHMARKS.md: builds the four corpora, chunks them with
/// Engram's chunker, runs BM25, dense and RRF baselines on those chunks and Engram through its CLI, and reports
/// MRR@10, Recall@1, Recall@10 and nDCG@10 per corpus and system.
/// </summary>
internal static class QualityBenchmark
{
    // Each baseline ranks this many chunks; fusion draws from both lists at this depth.
    private const int CandidateDepth = 100;

    // The dense baseline truncates at MiniLM's training length, fixed here rather than taken from the embedder's
    // default so that the baseline does not drift when Engram tunes its own setting.
    private const int DenseMaxTokens = 256;

    /// <summary>
    /// Runs the benchmark and writes <c>quality-&lt;date&gt;.json</c> and <c>.md</c> into the results folder.
    /// Returns 0 when every requested corpus was measured, 1 when one failed to build (the others still run).
    /// </summary>
    public static async Task<int> RunAsync(QualityOptions options, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var root = RepositoryPaths.FindRoot();
        Directory.CreateDirectory(options.WorkDirectory);
        Console.Error.WriteLine($"work folder: {options.WorkDirectory}");

        EngramCliRunner? engram = null;
        if (options.RunEngram)
        {
            engram = await EngramCliRunner.PrepareAsync(root, options.EngramExecutable, cancellationToken);
            Console.Error.WriteLine(engram.IsAvailable ? $"engram: {engram.Description}" : $"engram: not available ({engram.Description})");
        }

        OnnxSentenceEmbedder? embedder = null;
        var results = new List<CorpusResult>();
        var failures = new List<string>();
        try
        {
            foreach (var name in options.Corpora)
            {
                var spec = CorpusCatalog.Get(name);
                Console.Error.WriteLine($"== {spec.Name} ({spec.PackageId} {spec.Version})");
                try
                {
                    if (options.RunDense)
                    {
                        embedder ??= OnnxSentenceEmbedder.CreateMiniLm(maxTokens: DenseMaxTokens);
                    }

                    results.Add(await RunCorpusAsync(spec, options, embedder, engram, cancellationToken));
                }
                catch (Exception ex) when (ex is InvalidOperationException or IOException or LibGit2Sharp.LibGit2SharpException)
                {
                    Console.Error.WriteLine($"  {spec.Name} failed: {ex.Message}");
                    failures.Add($"{spec.Name}: {ex.Message}");
                }
            }
        }
        finally
        {
            embedder?.Dispose();
        }

        var report = new QualityReport(
            DateTimeOffset.Now,
            "dotnet run -c Release --project bench/Engram.Benchmarks -- " + string.Join(' ', arguments),
            total.Elapsed.TotalSeconds,
            engram?.IsAvailable == true ? Path.GetRelativePath(root, engram.Description) : engram is null ? "skipped (--no-engram)" : $"not available ({engram.Description})",
            results,
            failures);
        Console.WriteLine();
        Console.WriteLine(report.ToText());
        var (json, markdown) = report.Write(options.ResultsDirectory);
        Console.WriteLine($"wrote {Path.GetRelativePath(root, json)} and {Path.GetRelativePath(root, markdown)} ({total.Elapsed.TotalSeconds:F0} s)");
        return failures.Count == 0 ? 0 : 1;
    }

    private static async Task<CorpusResult> RunCorpusAsync(
        CorpusSpec spec,
        QualityOptions options,
        OnnxSentenceEmbedder? embedder,
        EngramCliRunner? engram,
        CancellationToken cancellationToken)
    {
        var seconds = new Dictionary<string, double>();
        var watch = Stopwatch.StartNew();
        var corpus = await CorpusStore.LoadOrBuildAsync(spec, options.WorkDirectory, options.Rebuild, cancellationToken);
        seconds["corpus"] = Lap(watch);
        Console.Error.WriteLine($"  {corpus.Files.Count} files, {corpus.Queries.Count} queries");

        var (chunks, chunkFailures) = ChunkCorpus(corpus, cancellationToken);
        seconds["chunk"] = Lap(watch);
        Console.Error.WriteLine($"  {chunks.Count} chunks" + (chunkFailures > 0 ? $" ({chunkFailures} files failed to chunk)" : ""));
        var texts = chunks.Select(ChunkText.For).ToArray();
        var rankings = new Dictionary<string, IReadOnlyList<int>>();

        using (var bm25 = new Bm25Retriever(texts))
        {
            seconds["bm25Index"] = Lap(watch);
            var bm25Lists = Search(corpus.Queries.Count, i => bm25.Search(corpus.Queries[i].Text, CandidateDepth));
            seconds["bm25Search"] = Lap(watch);
            rankings[SystemNames.Bm25] = Rank(corpus.Queries, bm25Lists, chunks);

            if (embedder is not null)
            {
                var cache = EmbeddingCache.Open(
                    Path.Combine(options.WorkDirectory, "cache", $"{spec.Name}.emb"),
                    $"{embedder.ModelId}/{embedder.MaxTokens}",
                    embedder.Dimensions);
                float[][] chunkVectors;
                float[][] queryVectors;
                try
                {
                    chunkVectors = cache.GetOrEmbed(texts, embedder, "chunks", cancellationToken);
                    queryVectors = cache.GetOrEmbed(corpus.Queries.Select(q => q.Text).ToArray(), embedder, "queries", cancellationToken);
                }
                finally
                {
                    cache.Save();
                }

                seconds["embed"] = Lap(watch);
                var dense = new DenseRetriever(chunkVectors);
                var denseLists = Search(corpus.Queries.Count, i => dense.Search(queryVectors[i], CandidateDepth));
                seconds["denseSearch"] = Lap(watch);
                rankings[SystemNames.Dense] = Rank(corpus.Queries, denseLists, chunks);
                var fused = corpus.Queries.Select((_, i) => RankFusion.Fuse([bm25Lists[i], denseLists[i]], CandidateDepth)).ToArray();
                rankings[SystemNames.Rrf] = Rank(corpus.Queries, fused, chunks);
            }
        }

        var engramRun = engram is null ? EngramRun.Unavailable("skipped (--no-engram)") : await engram.RunAsync(corpus, options.WorkDirectory, cancellationToken);
        if (engramRun.IndexSeconds is { } indexSeconds)
        {
            seconds["engramIndex"] = Math.Round(indexSeconds, 2);
            seconds["engramSearch"] = Math.Round(engramRun.SearchSeconds ?? 0, 2);
        }

        Lap(watch);
        Console.Error.WriteLine($"  engram: {engramRun.Status}");
        if (engramRun.Status.StartsWith("ok", StringComparison.Ordinal))
        {
            rankings[SystemNames.Engram] = corpus.Queries
                .Select(q => RetrievalMetrics.FirstRelevantRank(q, engramRun.Hits.TryGetValue(q.Id, out var hits) ? hits : []))
                .ToArray();
        }

        WriteRanks(corpus, rankings, options.WorkDirectory);
        var metrics = rankings.ToDictionary(r => r.Key, r => RetrievalMetrics.Aggregate(r.Value));
        double? ratio = null;
        var bestBaseline = SystemNames.Baselines.Where(metrics.ContainsKey).Select(s => metrics[s].Mrr10).DefaultIfEmpty(0).Max();
        if (metrics.TryGetValue(SystemNames.Engram, out var engramMetrics) && bestBaseline > 0)
        {
            ratio = engramMetrics.Mrr10 / bestBaseline;
        }

        var notes = new Dictionary<string, string>(corpus.Notes);
        if (chunkFailures > 0)
        {
            notes["chunkFailures"] = chunkFailures.ToString(CultureInfo.InvariantCulture);
        }

        return new CorpusResult(
            corpus.Name,
            corpus.Language,
            corpus.Package,
            corpus.Files.Count,
            chunks.Count,
            corpus.Queries.Count,
            corpus.Queries.Count(q => q.Targets.Count > 1),
            corpus.Queries.GroupBy(q => q.Kind).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count()),
            metrics,
            engramRun.Status,
            engramRun.Chunks,
            ratio,
            seconds,
            notes);
    }

    private static (List<Chunk> Chunks, int Failures) ChunkCorpus(BenchCorpus corpus, CancellationToken cancellationToken)
    {
        var chunks = new List<Chunk>();
        var failures = 0;
        foreach (var file in corpus.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = File.ReadAllText(Path.Combine(corpus.RootDirectory, file));
            try
            {
                chunks.AddRange(Chunker.Chunk(file, text));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A chunker bug must not sink the whole benchmark; the count is reported.
                failures++;
                Console.Error.WriteLine($"  chunker failed on {file}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        return (chunks, failures);
    }

    private static IReadOnlyList<(int Index, float Score)>[] Search(int count, Func<int, IReadOnlyList<(int Index, float Score)>> search)
    {
        var lists = new IReadOnlyList<(int Index, float Score)>[count];
        Parallel.For(0, count, i => lists[i] = search(i));
        return lists;
    }

    private static int[] Rank(IReadOnlyList<BenchQuery> queries, IReadOnlyList<(int Index, float Score)>[] lists, List<Chunk> chunks) =>
        queries.Select((q, i) => RetrievalMetrics.FirstRelevantRank(
                q,
                lists[i].Take(RetrievalMetrics.Depth).Select(r => new SearchHit(chunks[r.Index].Path, chunks[r.Index].StartLine, chunks[r.Index].EndLine, r.Score)).ToArray()))
            .ToArray();

    private static void WriteRanks(BenchCorpus corpus, Dictionary<string, IReadOnlyList<int>> rankings, string workDirectory)
    {
        // Per-query ranks for error analysis: one row per query, the first relevant rank (0 = miss) per system.
        var systems = SystemNames.All.Where(rankings.ContainsKey).ToArray();
        var lines = new List<string> { string.Join('\t', ["id", .. systems, "kind", "targets", "query"]) };
        for (var i = 0; i < corpus.Queries.Count; i++)
        {
            var q = corpus.Queries[i];
            var targets = string.Join(' ', q.Targets.Select(t => $"{t.Path}:{t.StartLine}-{t.EndLine}"));
            lines.Add(string.Join('\t', [q.Id, .. systems.Select(s => rankings[s][i].ToString(CultureInfo.InvariantCulture)), q.Kind, targets, q.Text]));
        }

        var folder = Path.Combine(workDirectory, "ranks");
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, corpus.Name + ".tsv"), lines);
    }

    private static double Lap(Stopwatch watch)
    {
        var elapsed = watch.Elapsed.TotalSeconds;
        watch.Restart();
        return Math.Round(elapsed, 2);
    }
}
