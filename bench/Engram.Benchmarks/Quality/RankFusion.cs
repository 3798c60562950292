namespace Engram.Benchmarks.Quality;

/// <summary>Reciprocal rank fusion (Cormack et al. 2009), the hybrid ranking Tabby ships.</summary>
internal static class RankFusion
{
    /// <summary>The usual constant: a document at rank r of a list adds 1 / (K + r).</summary>
    public const int K = 60;

    /// <summary>
    /// Fuses ranked lists of indices (best first, ranks 1-based) and returns up to <paramref name="top"/>
    /// (index, fused score) pairs by descending score; ties keep the order of first appearance.
    /// </summary>
    public static IReadOnlyList<(int Index, float Score)> Fuse(IEnumerable<IReadOnlyList<(int Index, float Score)>> lists, int top)
    {
        var scores = new Dictionary<int, double>();
        var order = new List<int>();
        foreach (var list in lists)
        {
            for (var rank = 0; rank < list.Count; rank++)
            {
                var index = list[rank].Index;
                if (!scores.TryGetValue(index, out var score))
                {
                    order.Add(index);
                }

                scores[index] = score + (1.0 / (K + rank + 1));
            }
        }

        return order
            .Select((index, position) => (index, position))
            .OrderByDescending(p => scores[p.index])
            .ThenBy(p => p.position)
            .Take(top)
            .Select(p => (p.index, (float)scores[p.index]))
            .ToArray();
    }
}
