namespace Engram.Features.Completion;

public sealed partial class WordCompletionModel
{
    /// <summary>
    /// A cache model of one document for one query (Kuhn and De Mori 1990; on code: Tu, Su and Devanbu, "On the
    /// localness of software", FSE 2014): the words that followed the caret's 1–3 preceding tokens inside the
    /// document, and the document's word counts, scored in the same tiers as the workspace model.
    /// </summary>
    /// <remarks>
    /// The document's token ids and word counts (<see cref="DocumentStatistics"/>) are computed once per version of
    /// the document; a query then compares token ids with its context (no allocation per token) and looks up only the
    /// matches. Only words inside the typed prefix's vocabulary range are kept. Used under the model's read lock.
    /// </remarks>
    private sealed class DocumentCache
    {
        private const int MaxUnigramCandidates = 64;

        // Per context order 1–3 (index 0 unused): how often each prefix word followed the context, and how many
        // words of any kind did (the denominator).
        private readonly Dictionary<int, int>[] _followers = [[], [], [], []];
        private readonly int[] _totals = new int[4];
        private readonly DocumentStatistics _statistics;
        private readonly Func<int, bool> _matchesPrefix;

        private DocumentCache(DocumentStatistics statistics, Func<int, bool> matchesPrefix)
        {
            _statistics = statistics;
            _matchesPrefix = matchesPrefix;
        }

        public static DocumentCache Build(DocumentStatistics statistics, ReadOnlySpan<int> context, List<bool> isWord, Func<int, bool> matchesPrefix)
        {
            var cache = new DocumentCache(statistics, matchesPrefix);
            var nearest = context[2];
            if (nearest == NoToken)
            {
                return cache;
            }

            var tokens = statistics.Tokens;
            for (var i = 1; i < tokens.Length; i++)
            {
                if (tokens[i - 1] != nearest || !isWord[tokens[i]])
                {
                    continue;
                }

                var order = 1;
                while (order < 3 && i - order - 1 >= 0 && context[2 - order] != NoToken && tokens[i - order - 1] == context[2 - order])
                {
                    order++;
                }

                var word = tokens[i];
                var matches = matchesPrefix(word);
                for (var k = 1; k <= order; k++)
                {
                    cache._totals[k]++;
                    if (matches)
                    {
                        cache._followers[k][word] = cache._followers[k].GetValueOrDefault(word) + 1;
                    }
                }
            }

            return cache;
        }

        /// <summary>Adds the followers of the context and the document's most frequent words with the prefix.</summary>
        public void AddCandidates(HashSet<int> candidates, int max)
        {
            foreach (var word in _followers[1].Keys)
            {
                candidates.Add(word);
            }

            var wanted = Math.Max(max, MaxUnigramCandidates);
            foreach (var word in _statistics.ByCount)
            {
                if (_matchesPrefix(word))
                {
                    candidates.Add(word);
                    if (--wanted == 0)
                    {
                        break;
                    }
                }
            }
        }

        /// <summary>(k + c(context, w) / c(context)) / 4 for the longest order k the word followed the context in the
        /// document, else c(w) / N / 4 over the document's words; 0 for a word the document lacks.</summary>
        public double Score(int word)
        {
            for (var order = 3; order >= 1; order--)
            {
                if (_followers[order].TryGetValue(word, out var count))
                {
                    return (order + (double)count / _totals[order]) / 4;
                }
            }

            return _statistics.Counts.TryGetValue(word, out var seen) ? (double)seen / Math.Max(1, _statistics.Words) / 4 : 0;
        }
    }

    /// <summary>One document version's token ids and word counts, kept while its encoded ids live.</summary>
    private sealed class DocumentStatistics
    {
        public DocumentStatistics(byte[] encoded, List<bool> isWord)
        {
            var tokens = new List<int>(encoded.Length);
            var value = 0;
            var shift = 0;
            foreach (var b in encoded)
            {
                value |= (b & 0x7F) << shift;
                if (b < 0x80)
                {
                    tokens.Add(value);
                    value = 0;
                    shift = 0;
                }
                else
                {
                    shift += 7;
                }
            }

            Tokens = [.. tokens];
            foreach (var token in Tokens)
            {
                if (isWord[token])
                {
                    Counts[token] = Counts.GetValueOrDefault(token) + 1;
                    Words++;
                }
            }

            ByCount = [.. Counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Select(kv => kv.Key)];
        }

        public int[] Tokens { get; }

        public Dictionary<int, int> Counts { get; } = [];

        public int Words { get; }

        /// <summary>Distinct words, most frequent first.</summary>
        public int[] ByCount { get; }
    }
}
