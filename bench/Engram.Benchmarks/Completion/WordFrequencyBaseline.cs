namespace Engram.Benchmarks.Completion;

/// <summary>
/// The baselines of the held-out completion benchmark: words ordered by how often they occur, filtered by the typed
/// prefix (case-insensitively, the typed text itself excluded), ties broken ordinally. Over the open document this is
/// an editor's word-based suggestions; over the training files it is a workspace unigram model.
/// </summary>
internal sealed class WordFrequencyBaseline
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private (string Word, int Count)[]? _sorted;

    /// <summary>Number of distinct words counted.</summary>
    public int Count => _counts.Count;

    /// <summary>Whether <paramref name="word"/> was counted (ordinal).</summary>
    public bool Contains(string word) => _counts.ContainsKey(word);

    /// <summary>Counts every word of <paramref name="text"/> (the model's word rule: <c>[letter_][letter digit _]*</c>).</summary>
    public void Add(string text)
    {
        foreach (var (start, length) in Words(text))
        {
            var word = text.Substring(start, length);
            _counts[word] = _counts.GetValueOrDefault(word) + 1;
        }

        _sorted = null;
    }

    /// <summary>At most <paramref name="max"/> words starting with <paramref name="prefix"/>, most frequent first.</summary>
    public List<string> Suggest(string prefix, int max)
    {
        // Sorted case-insensitively so a prefix is one contiguous range, found by binary search.
        _sorted ??= _counts.Select(kv => (kv.Key, kv.Value)).OrderBy(e => e.Key, StringComparer.OrdinalIgnoreCase).ThenBy(e => e.Key, StringComparer.Ordinal).ToArray();
        var lower = 0;
        var upper = _sorted.Length;
        if (prefix.Length > 0)
        {
            lower = Bound(_sorted, prefix, upper: false);
            upper = Bound(_sorted, prefix, upper: true);
        }

        var best = new PriorityQueue<string, (int Count, string Word)>(Comparer<(int Count, string Word)>.Create((a, b) =>
        {
            var byCount = a.Count.CompareTo(b.Count);
            return byCount != 0 ? byCount : string.CompareOrdinal(b.Word, a.Word);
        }));
        for (var i = lower; i < upper; i++)
        {
            var (word, count) = _sorted[i];
            if (word.Equals(prefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            best.Enqueue(word, (count, word));
            if (best.Count > max)
            {
                best.Dequeue();
            }
        }

        var result = new List<string>(best.Count);
        while (best.Count > 0)
        {
            result.Add(best.Dequeue());
        }

        result.Reverse();
        return result;
    }

    /// <summary>Word spans (start, length) of <paramref name="text"/>, as the word model tokenizes them (at most 64 chars).</summary>
    public static IEnumerable<(int Start, int Length)> Words(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsLetterOrDigit(text[i]) || text[i] == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                if ((char.IsLetter(text[start]) || text[start] == '_') && i - start <= 64)
                {
                    yield return (start, i - start);
                }
            }
            else
            {
                i++;
            }
        }
    }

    private static int Bound((string Word, int Count)[] sorted, string prefix, bool upper)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            var word = sorted[mid].Word;
            var cmp = word.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? 0 : string.Compare(word, prefix, StringComparison.OrdinalIgnoreCase);
            if (cmp < 0 || (upper && cmp == 0))
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
