namespace Engram.Benchmarks.Quality;

/// <summary>Scores ranked results against the queries' targets.</summary>
/// <remarks>
/// A hit is relevant when it is in a target's file and its line range overlaps the target's. Only the first
/// relevant hit counts: later hits overlapping the same declaration (a second chunk of one method) add nothing, so
/// with one relevant item the ideal DCG is 1 and nDCG@10 = 1 / log2(1 + rank of the first relevant hit).
/// </remarks>
internal static class RetrievalMetrics
{
    /// <summary>The cut-off of every metric.</summary>
    public const int Depth = 10;

    /// <summary>
    /// Returns the 1-based rank of the first relevant hit among the first <see cref="Depth"/> of
    /// <paramref name="hits"/>, or 0 when there is none.
    /// </summary>
    public static int FirstRelevantRank(BenchQuery query, IReadOnlyList<SearchHit> hits)
    {
        for (var rank = 0; rank < Math.Min(Depth, hits.Count); rank++)
        {
            var hit = hits[rank];
            if (query.Targets.Any(t => t.Overlaps(hit.Path, hit.StartLine, hit.EndLine)))
            {
                return rank + 1;
            }
        }

        return 0;
    }

    /// <summary>Aggregates per-query first-relevant ranks (0 = miss) into a <see cref="MetricSet"/>.</summary>
    public static MetricSet Aggregate(IReadOnlyList<int> firstRelevantRanks)
    {
        if (firstRelevantRanks.Count == 0)
        {
            return new MetricSet(0, 0, 0, 0, 0);
        }

        double mrr = 0, recall1 = 0, recall10 = 0, ndcg = 0;
        foreach (var rank in firstRelevantRanks)
        {
            if (rank is < 1 or > Depth)
            {
                continue;
            }

            mrr += 1.0 / rank;
            recall1 += rank == 1 ? 1 : 0;
            recall10 += 1;
            ndcg += 1.0 / Math.Log2(rank + 1);
        }

        double n = firstRelevantRanks.Count;
        return new MetricSet(firstRelevantRanks.Count, mrr / n, recall1 / n, recall10 / n, ndcg / n);
    }
}
