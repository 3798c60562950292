using System.Runtime.InteropServices;
using Engram.Features.Completion;

namespace Engram.Features.Tests.Completion;

// The word model as it was before its memory layout was made compact (per-context objects and dictionaries, int[]
// token ids per document), kept verbatim as the reference: the compact model must suggest exactly what it suggests.
/// <summary>
/// A statistical language model of the workspace's own tokens for instant next-word and identifier completion:
/// word n-grams (up to 4) with backoff, trained per document and updated incrementally as documents change.
/// Works in code, comments, Markdown and commit messages; needs no LLM.
/// </summary>
/// <remarks>
/// <para>Tokens are identifiers/words (<c>[letter_][letter digit _]*</c>, kept whole: <c>GetValue</c>,
/// <c>snake_case</c>), numbers (all folded into one token), single punctuation characters and line breaks; only
/// words are suggested, but every token is context. Counts are 2-, 3- and 4-grams whose predicted token is a word,
/// keyed by the 1–3 preceding tokens, plus word unigrams. Scores back off like stupid backoff (Brants et al. 2007)
/// but in tiers: (k + c(context, w) / c(context)) / 4 for the longest context, of order k, that saw w, down to
/// c(w) / N / 4; so a word seen after the context always outranks a merely frequent one.</para>
/// <para>Each document's token ids are kept, so <see cref="SetDocument"/> subtracts exactly what the old text added:
/// incremental updates give the same counts as training afresh. Words are found by prefix through a vocabulary
/// sorted case-insensitively (binary search), so a query never scans the whole vocabulary unless the prefix is
/// empty and the context is unknown.</para>
/// <para>Thread-safe: updates and queries may run concurrently (a reader/writer lock; tokenizing happens outside it).
/// Target: p95 ≤ 5 ms per <see cref="Complete"/>.</para>
/// </remarks>
internal sealed class LegacyWordCompletionModel
{
    private const int MaxWordLength = 64;
    private const int MaxVocabulary = (1 << 21) - 1;
    private const int UnigramCandidates = 64;
    private const int MaxChangedUnigrams = 1024;
    private const int ContextTailChars = 256;

    // Token ids: 0 = none (context padding), 1 = unknown (vocabulary full), 2 = line break, 3 = number.
    private const int NoToken = 0;
    private const int UnknownToken = 1;
    private const int LineToken = 2;
    private const int NumberToken = 3;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idLookup;
    private readonly List<string> _words = [];
    private readonly List<bool> _isWord = [];
    private readonly List<long> _unigrams = [];

    // Word ids sorted by word, case-insensitively (then ordinally), for prefix ranges.
    private readonly List<int> _sorted = [];
    private readonly Dictionary<ulong, ContextCounts> _contexts = [];
    private readonly Dictionary<string, int[]> _documents = new(StringComparer.Ordinal);
    private long _wordTotal;
    private long _tokenCount;
    private int[]? _topUnigrams;
    private HashSet<int>? _unigramsChanged;
    private int[]? _ranks;

    /// <summary>Creates an empty model.</summary>
    public LegacyWordCompletionModel()
    {
        _idLookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var special in new[] { "\0none", "\0unk", "\n", "0" })
        {
            _ids[special] = _words.Count;
            _words.Add(special);
            _isWord.Add(false);
            _unigrams.Add(0);
        }
    }

    /// <summary>Number of documents the model holds.</summary>
    public int DocumentCount
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _documents.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Number of tokens counted over all documents.</summary>
    public long TokenCount => Interlocked.Read(ref _tokenCount);

    /// <summary>Number of distinct words ever seen (words whose documents were removed included).</summary>
    public int VocabularySize
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _sorted.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Adds or replaces the counts of one document (key: a full path or URI).</summary>
    /// <exception cref="ArgumentNullException">A null key or text.</exception>
    public void SetDocument(string key, string text)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(text);
        var spans = Tokenize(text, 0);
        _lock.EnterWriteLock();
        try
        {
            if (_documents.TryGetValue(key, out var old))
            {
                Count(old, -1);
            }

            var tokens = new int[spans.Count];
            for (var i = 0; i < spans.Count; i++)
            {
                tokens[i] = Intern(text.AsSpan(spans[i].Start, spans[i].Length), spans[i].Kind);
            }

            _documents[key] = tokens;
            Count(tokens, +1);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes one document's counts; false when the key was unknown.</summary>
    public bool RemoveDocument(string key)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_documents.Remove(key, out var old))
            {
                return false;
            }

            Count(old, -1);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Suggests words for the caret at the end of <paramref name="textBeforeCaret"/> (pass at least the current line
    /// and a few lines before it).
    /// </summary>
    /// <param name="textBeforeCaret">The document text up to the caret.</param>
    /// <param name="languageId">The LSP language id (e.g. <c>csharp</c>, <c>markdown</c>, <c>git-commit</c>), or null.
    /// One model serves every language; the id is accepted for hosts and future per-language tuning.</param>
    /// <param name="max">Maximum number of suggestions (≥ 1).</param>
    /// <returns>Words starting with the partial word before the caret (case-insensitive), never the partial word
    /// itself, ordered by descending score, then case-insensitively by word; empty inside a number.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="max"/> is less than 1.</exception>
    public WordCompletionResult Complete(string textBeforeCaret, string? languageId = null, int max = 20)
    {
        ArgumentNullException.ThrowIfNull(textBeforeCaret);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var prefixStart = textBeforeCaret.Length;
        while (prefixStart > 0 && IsWordPart(textBeforeCaret[prefixStart - 1]))
        {
            prefixStart--;
        }

        var prefix = textBeforeCaret[prefixStart..];
        if (prefix.Length > 0 && !IsWordStart(prefix[0]))
        {
            return new WordCompletionResult(prefix, prefixStart, []);
        }

        var tailStart = Math.Max(0, prefixStart - ContextTailChars);
        var tail = Tokenize(textBeforeCaret.AsSpan(tailStart, prefixStart - tailStart), 3);

        _lock.EnterReadLock();
        try
        {
            // The (up to) three tokens before the prefix, nearest last.
            Span<int> context = [NoToken, NoToken, NoToken];
            for (var i = 0; i < tail.Count && i < 3; i++)
            {
                var span = tail[tail.Count - 1 - i];
                context[2 - i] = Lookup(textBeforeCaret.AsSpan(tailStart + span.Start, span.Length), span.Kind);
            }

            var contexts = new ContextCounts?[3];
            for (var order = 1; order <= 3; order++)
            {
                if (context[3 - order] == NoToken)
                {
                    break;
                }

                var key = ContextKey(context, order);
                if (_contexts.TryGetValue(key, out var counts))
                {
                    contexts[order - 1] = counts;
                }
            }

            var (lower, upper) = PrefixRange(prefix);
            var candidates = new HashSet<int>();
            foreach (var counts in contexts)
            {
                if (counts is null)
                {
                    continue;
                }

                if (prefix.Length > 0 && upper - lower < counts.Distinct)
                {
                    // Fewer words share the prefix than follow the context: test those words instead.
                    for (var i = lower; i < upper; i++)
                    {
                        if (counts.Get(_sorted[i]) > 0)
                        {
                            candidates.Add(_sorted[i]);
                        }
                    }
                }
                else
                {
                    // Within one context a higher count means a higher score, so its best `max` matches suffice.
                    counts.AddTopWords(word => prefix.Length == 0 || _words[word].StartsWith(prefix, StringComparison.OrdinalIgnoreCase), max, Ranks(), candidates);
                }
            }

            AddTopUnigrams(lower, upper, max, candidates);
            var ranks = Ranks();
            var scored = new List<(int Word, double Score)>(candidates.Count);
            foreach (var word in candidates)
            {
                if (_unigrams[word] > 0 && !_words[word].Equals(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    // The scoring rule added since (a case that differs from the typed prefix keeps 0.2 of the
                    // score) applies here too: this model is the reference for the data structures, not the rule.
                    var caseFactor = prefix.Length > 0 && !_words[word].StartsWith(prefix, StringComparison.Ordinal) ? 0.2 : 1.0;
                    scored.Add((word, Score(word, contexts) * caseFactor));
                }
            }

            // Ties go to the word first in vocabulary order: the order the candidate lists are cut in.
            scored.Sort((a, b) =>
            {
                var byScore = b.Score.CompareTo(a.Score);
                return byScore != 0 ? byScore : ranks[a.Word].CompareTo(ranks[b.Word]);
            });
            var suggestions = scored.Take(max).Select(s => new WordSuggestion(_words[s.Word], s.Score, _unigrams[s.Word])).ToList();
            return new WordCompletionResult(prefix, prefixStart, suggestions);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    // Tiered backoff: (k + p) / 4 where k is the longest context order (3..1; 0 for the unigram) that saw the word
    // and p its relative frequency there, so a word seen after the context always outranks one that was not.
    private double Score(int word, ContextCounts?[] contexts)
    {
        for (var order = 3; order >= 1; order--)
        {
            if (contexts[order - 1] is { } counts)
            {
                var count = counts.Get(word);
                if (count > 0)
                {
                    return (order + (double)count / counts.Total) / 4;
                }
            }
        }

        return (double)_unigrams[word] / Math.Max(1, _wordTotal) / 4;
    }

    private void AddTopUnigrams(int lower, int upper, int max, HashSet<int> candidates)
    {
        if (lower == 0 && upper == _sorted.Count && max <= UnigramCandidates)
        {
            // The whole vocabulary (no prefix): the most frequent words are cached until the next update.
            // Words whose counts changed since may sit anywhere: all of them are candidates; the unchanged ones keep
            // their order, and every unchanged word outside the cache ranks below the unchanged ones inside it.
            var top = Volatile.Read(ref _topUnigrams);
            var changed = _unigramsChanged;
            if (top is not null && changed is not null && top.Count(w => !changed.Contains(w)) < max)
            {
                top = null;
            }

            if (top is null)
            {
                top = TopUnigrams(0, _sorted.Count, UnigramCandidates);
                changed = null;
                if (_unigramsChanged is null)
                {
                    Volatile.Write(ref _topUnigrams, top);
                }
            }

            foreach (var word in top.Where(w => changed?.Contains(w) != true).Take(max))
            {
                candidates.Add(word);
            }

            if (changed is not null)
            {
                foreach (var word in changed)
                {
                    if (_unigrams[word] > 0)
                    {
                        candidates.Add(word);
                    }
                }
            }

            return;
        }

        foreach (var word in TopUnigrams(lower, upper, max))
        {
            candidates.Add(word);
        }
    }

    // The `count` most frequent words of _sorted[lower..upper), most frequent first (a bounded min-heap on count).
    private int[] TopUnigrams(int lower, int upper, int count)
    {
        var heap = new PriorityQueue<int, (long Count, int NegativeId)>(count + 1);
        for (var i = lower; i < upper; i++)
        {
            var word = _sorted[i];
            var key = (_unigrams[word], -i);
            if (key.Item1 <= 0)
            {
                continue;
            }

            if (heap.Count < count)
            {
                heap.Enqueue(word, key);
            }
            else if (heap.TryPeek(out _, out var smallest) && key.CompareTo(smallest) > 0)
            {
                heap.DequeueEnqueue(word, key);
            }
        }

        var result = new int[heap.Count];
        for (var i = result.Length - 1; i >= 0; i--)
        {
            result[i] = heap.Dequeue();
        }

        return result;
    }

    // Position of every word id in the vocabulary order (case-insensitive, then ordinal); rebuilt after new words.
    // Built under the read lock: concurrent readers may both build it (same result).
    private int[] Ranks()
    {
        var ranks = Volatile.Read(ref _ranks);
        if (ranks is null)
        {
            ranks = new int[_words.Count];
            for (var i = 0; i < _sorted.Count; i++)
            {
                ranks[_sorted[i]] = i;
            }

            Volatile.Write(ref _ranks, ranks);
        }

        return ranks;
    }

    // Half-open range of _sorted whose words start with the prefix (case-insensitively).
    private (int Lower, int Upper) PrefixRange(string prefix)
    {
        if (prefix.Length == 0)
        {
            return (0, _sorted.Count);
        }

        return (Bound(prefix, upper: false), Bound(prefix, upper: true));
    }

    private int Bound(string prefix, bool upper)
    {
        int low = 0, high = _sorted.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            var word = _words[_sorted[mid]];
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

    private static int CompareWords(string a, string b)
    {
        var cmp = string.Compare(a, b, StringComparison.OrdinalIgnoreCase);
        return cmp != 0 ? cmp : string.CompareOrdinal(a, b);
    }

    private int Intern(ReadOnlySpan<char> token, TokenKind kind)
    {
        switch (kind)
        {
            case TokenKind.Line:
                return LineToken;
            case TokenKind.Number:
                return NumberToken;
        }

        if (_idLookup.TryGetValue(token, out var id))
        {
            return id;
        }

        if (_words.Count >= MaxVocabulary)
        {
            return UnknownToken;
        }

        var text = token.ToString();
        id = _words.Count;
        _ids[text] = id;
        _words.Add(text);
        _unigrams.Add(0);
        var isWord = kind == TokenKind.Word;
        _isWord.Add(isWord);
        if (isWord)
        {
            var index = BinarySearchSorted(text);
            _sorted.Insert(index, id);
            _ranks = null;
        }

        return id;
    }

    private int BinarySearchSorted(string text)
    {
        int low = 0, high = _sorted.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (CompareWords(_words[_sorted[mid]], text) < 0)
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

    private int Lookup(ReadOnlySpan<char> token, TokenKind kind) => kind switch
    {
        TokenKind.Line => LineToken,
        TokenKind.Number => NumberToken,
        _ => _idLookup.TryGetValue(token, out var id) ? id : UnknownToken,
    };

    // Adds (sign +1) or subtracts (−1) a document's unigram and n-gram counts.
    private void Count(int[] tokens, int sign)
    {
        Interlocked.Add(ref _tokenCount, sign * tokens.Length);
        Span<int> context = stackalloc int[3];
        for (var i = 0; i < tokens.Length; i++)
        {
            var word = tokens[i];
            if (!_isWord[word])
            {
                continue;
            }

            _unigrams[word] += sign;
            if (_topUnigrams is not null)
            {
                // Invariant: _unigramsChanged is non-null only while _topUnigrams is (readers never write it).
                _unigramsChanged ??= [];
                if (_unigramsChanged.Add(word) && _unigramsChanged.Count > MaxChangedUnigrams)
                {
                    _topUnigrams = null;
                    _unigramsChanged = null;
                }
            }

            _wordTotal += sign;
            for (var order = 1; order <= 3 && i - order >= 0; order++)
            {
                context.Clear();
                for (var k = 0; k < order; k++)
                {
                    context[2 - k] = tokens[i - 1 - k];
                }

                var key = ContextKey(context, order);
                ref var counts = ref CollectionsMarshal.GetValueRefOrAddDefault(_contexts, key, out _);
                counts ??= new ContextCounts();
                counts.Add(word, sign);
                if (counts.Total == 0)
                {
                    _contexts.Remove(key);
                }
            }
        }
    }

    // Packs the last `order` ids of `context` (21 bits each; 0 pads shorter contexts, so orders never collide).
    private static ulong ContextKey(ReadOnlySpan<int> context, int order)
    {
        ulong key = 0;
        for (var k = 3 - order; k < 3; k++)
        {
            key = (key << 21) | (uint)context[k];
        }

        return key;
    }

    private static bool IsWordStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsWordPart(char c) => char.IsLetterOrDigit(c) || c == '_';

    /// <summary>Splits text into token spans; with <paramref name="lastOnly"/> &gt; 0 only the last that many are kept.</summary>
    private static List<TokenSpan> Tokenize(ReadOnlySpan<char> text, int lastOnly)
    {
        var tokens = new List<TokenSpan>(lastOnly > 0 ? lastOnly + 1 : text.Length / 4);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n')
            {
                if (tokens.Count > 0 && tokens[^1].Kind != TokenKind.Line)
                {
                    Add(new TokenSpan(i, 1, TokenKind.Line));
                }

                i++;
            }
            else if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (IsWordPart(c))
            {
                var start = i;
                while (i < text.Length && IsWordPart(text[i]))
                {
                    i++;
                }

                var length = i - start;
                if (!IsWordStart(c))
                {
                    Add(new TokenSpan(start, length, TokenKind.Number));
                }
                else if (length <= MaxWordLength)
                {
                    Add(new TokenSpan(start, length, TokenKind.Word));
                }
            }
            else
            {
                // A surrogate pair stays one punctuation token.
                var length = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
                Add(new TokenSpan(i, length, TokenKind.Punctuation));
                i += length;
            }
        }

        return tokens;

        void Add(TokenSpan span)
        {
            if (lastOnly > 0 && tokens.Count == lastOnly)
            {
                tokens.RemoveAt(0);
            }

            tokens.Add(span);
        }
    }

    private static List<TokenSpan> Tokenize(string text, int lastOnly) => Tokenize(text.AsSpan(), lastOnly);

    private enum TokenKind : byte
    {
        Word,
        Number,
        Punctuation,
        Line,
    }

    private readonly record struct TokenSpan(int Start, int Length, TokenKind Kind);

    /// <summary>Counts of the words that followed one context; a single word is stored without a dictionary.</summary>
    private sealed class ContextCounts
    {
        // Contexts followed by more distinct words than this keep them sorted by count for queries.
        private const int SortThreshold = 64;

        private int[]? _byCount;
        private HashSet<int>? _dirty;
        private int _single = -1;
        private int _singleCount;
        private Dictionary<int, int>? _many;

        public long Total { get; private set; }

        public int Distinct => _many?.Count ?? (_singleCount > 0 ? 1 : 0);

        public int Get(int word) => _many is not null ? _many.GetValueOrDefault(word) : word == _single ? _singleCount : 0;

        public IEnumerable<int> Words() => _many is not null ? _many.Keys : _singleCount > 0 ? [_single] : [];

        /// <summary>Adds the (at most) <paramref name="max"/> most frequent words that match to <paramref name="into"/>.</summary>
        /// <remarks>Called under the model's read lock: several readers may build the cache at once (same result).</remarks>
        public void AddTopWords(Func<int, bool> match, int max, int[] ranks, HashSet<int> into)
        {
            if (_many is null || _many.Count <= SortThreshold)
            {
                foreach (var word in Words())
                {
                    if (match(word))
                    {
                        into.Add(word);
                    }
                }

                return;
            }

            var sorted = Volatile.Read(ref _byCount);
            if (sorted is null)
            {
                // By descending count, then vocabulary order (the final tie-break): one long key per word sorts fast.
                // New words later shift ranks but never the relative order of these, so the cache stays valid.
                var keys = new long[_many.Count];
                sorted = new int[_many.Count];
                var n = 0;
                foreach (var (word, count) in _many)
                {
                    keys[n] = ((long)(int.MaxValue - count) << 32) | (uint)ranks[word];
                    sorted[n++] = word;
                }

                Array.Sort(keys, sorted);

                Volatile.Write(ref _byCount, sorted);
            }

            // Words changed since the sort may sit anywhere: all of them are candidates, and the rest keep their order.
            var dirty = _dirty;
            var found = 0;
            foreach (var word in sorted)
            {
                if (dirty?.Contains(word) != true && match(word))
                {
                    into.Add(word);
                    if (++found == max)
                    {
                        break;
                    }
                }
            }

            if (dirty is not null)
            {
                foreach (var word in dirty)
                {
                    if (Get(word) > 0 && match(word))
                    {
                        into.Add(word);
                    }
                }
            }
        }

        public void Add(int word, int sign)
        {
            // Invariant: _dirty is non-null only while _byCount is (readers never write _dirty).
            if (_byCount is not null)
            {
                _dirty ??= [];
                _dirty.Add(word);
                if (_dirty.Count > Math.Max(16, _byCount.Length / 8))
                {
                    _byCount = null;
                    _dirty = null;
                }
            }

            Total += sign;
            if (_many is null)
            {
                if (_singleCount == 0 || _single == word)
                {
                    _single = word;
                    _singleCount += sign;
                    return;
                }

                _many = new Dictionary<int, int> { [_single] = _singleCount };
            }

            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_many, word, out _);
            count += sign;
            if (count == 0)
            {
                _many.Remove(word);
            }
        }
    }
}
