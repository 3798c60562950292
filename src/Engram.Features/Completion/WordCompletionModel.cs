using System.Buffers;
using Engram.Core.Indexing;
using Engram.Files;

namespace Engram.Features.Completion;

/// <summary>One next-word suggestion.</summary>
/// <param name="Word">The whole word to insert (replacing <see cref="WordCompletionResult.Prefix"/>).</param>
/// <param name="Score">Probability-like score in (0, 1]; suggestions are ordered by descending score.</param>
/// <param name="Count">How often the word occurs in the training documents.</param>
public sealed record WordSuggestion(string Word, double Score, long Count);

/// <summary>Suggestions for one caret position.</summary>
/// <param name="Prefix">The partial word before the caret that the suggestions complete ("" at a word boundary).</param>
/// <param name="PrefixStart">UTF-16 offset (in the text given) where <see cref="Prefix"/> begins.</param>
/// <param name="Suggestions">At most the requested number, best first.</param>
public sealed record WordCompletionResult(string Prefix, int PrefixStart, IReadOnlyList<WordSuggestion> Suggestions);

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
/// <para>Each document's token ids are kept (LEB128-encoded, 1–3 bytes per token), so <see cref="SetDocument"/>
/// subtracts exactly what the old text added: incremental updates give the same counts as training afresh. Words are found by prefix through a vocabulary
/// sorted case-insensitively (binary search), so a query never scans the whole vocabulary unless the prefix is
/// empty and the context is unknown.</para>
/// <para>Thread-safe: updates and queries may run concurrently (a reader/writer lock; tokenizing happens outside it).
/// Target: p95 ≤ 5 ms per <see cref="Complete"/>.</para>
/// <para>Memory: about 9 bytes per training token (8.8 M tokens of Python, JavaScript and Markdown: 81 MB of managed
/// heap). Words are interned once (an int table over the word list maps text to id); n-gram counts live in one
/// open-addressing table of 12-byte slots keyed by the packed context, most contexts holding their single follower
/// inline (see <c>ContextTable</c>); no object per context or per document token.</para>
/// </remarks>
public sealed partial class WordCompletionModel
{
    private const int MaxWordLength = 64;
    private const int MaxVocabulary = (1 << 21) - 1;
    private const int UnigramCandidates = 64;
    private const int MaxChangedUnigrams = 1024;
    private const int ContextTailChars = 256;

    // How much the caret's own document counts against the workspace (see DocumentCache), and what a word whose case
    // differs from the typed prefix keeps of its score (typing `U` means `Unix` more often than `user`): both measured
    // on held-out files (BENCHMARKS.md, `completion-heldout`; 0.5, 1 and 3, and 1, 0.5 and 0.2 were tried).
    private const double DocumentWeight = 1.0;
    private const double CaseMismatchFactor = 0.2;

    // Token ids: 0 = none (context padding), 1 = unknown (vocabulary full), 2 = line break, 3 = number.
    private const int NoToken = 0;
    private const int UnknownToken = 1;
    private const int LineToken = 2;
    private const int NumberToken = 3;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    // Token id + 1 per slot (0 = empty), open addressing by the token's hash: the string → id map without entries.
    private int[] _idTable = new int[1024];
    private readonly List<string> _words = [];
    private readonly List<bool> _isWord = [];
    private readonly List<int> _unigrams = [];

    // Word ids sorted by word, case-insensitively (then ordinally), for prefix ranges.
    private readonly List<int> _sorted = [];
    private readonly ContextTable _contexts = new();

    // Each document's token ids, LEB128-encoded (most ids are small: 1–3 bytes per token).
    private readonly Dictionary<string, byte[]> _documents = new(StringComparer.Ordinal);
    private long _wordTotal;
    private long _tokenCount;
    private int[]? _topUnigrams;
    private HashSet<int>? _unigramsChanged;
    private int[]? _ranks;

    /// <summary>Creates an empty model.</summary>
    public WordCompletionModel()
    {
        foreach (var special in new[] { "\0none", "\0unk", "\n", "0" })
        {
            AddId(special, _words.Count);
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
                CountEncoded(old, -1);
            }

            var tokens = ArrayPool<int>.Shared.Rent(Math.Max(1, spans.Count));
            try
            {
                for (var i = 0; i < spans.Count; i++)
                {
                    tokens[i] = Intern(text.AsSpan(spans[i].Start, spans[i].Length), spans[i].Kind);
                }

                var ids = tokens.AsSpan(0, spans.Count);
                _documents[key] = Encode(ids);
                Count(ids, +1);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(tokens);
            }
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

            CountEncoded(old, -1);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Trains on every indexable file under <paramref name="roots"/> (same eligibility rules as the engram index:
    /// git-ignored, binary and oversized files skipped). Document keys are full paths.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">A root does not exist.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static async Task<WordCompletionModel> TrainAsync(IReadOnlyList<string> roots, CancellationToken cancellationToken = default)
    {
        var model = new WordCompletionModel();
        foreach (var root in roots)
        {
            List<string> files;
            string fullRoot;
            using (var scanner = new WorkspaceScanner(root, IndexOptions.Default.MaxFileBytes))
            {
                files = scanner.EnumerateFiles();
                fullRoot = scanner.Root;
            }

            await Parallel.ForEachAsync(
                files,
                new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = IndexOptions.Default.EffectiveParallelism },
                async (relative, token) =>
                {
                    var full = Path.Combine(fullRoot, relative.Replace('/', Path.DirectorySeparatorChar));
                    string text;
                    try
                    {
                        text = await WorkspaceFile.ReadAllTextAsync(full, fullRoot, IndexOptions.Default.MaxFileBytes, token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        return; // Deleted or unreadable since the scan: it simply does not count.
                    }

                    model.SetDocument(full, text);
                }).ConfigureAwait(false);
        }

        return model;
    }

    /// <summary>
    /// Suggests words for the caret at the end of <paramref name="textBeforeCaret"/> (pass at least the current line
    /// and a few lines before it).
    /// </summary>
    /// <param name="textBeforeCaret">The document text up to the caret.</param>
    /// <param name="languageId">The LSP language id (e.g. <c>csharp</c>, <c>markdown</c>, <c>git-commit</c>), or null.
    /// One model serves every language; the id is accepted for hosts and future per-language tuning.</param>
    /// <param name="max">Maximum number of suggestions (≥ 1).</param>
    /// <param name="documentKey">The key (as given to <see cref="SetDocument"/>) of the document the caret is in, or
    /// null. Its own words and n-grams then count as a cache model over the workspace's: code repeats itself most
    /// within a file (its identifiers, its idioms), which workspace-wide counts dilute. An unknown key is ignored.</param>
    /// <returns>Words starting with the partial word before the caret (case-insensitive), never the partial word
    /// itself, ordered by descending score, then case-insensitively by word; empty inside a number.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="max"/> is less than 1.</exception>
    public WordCompletionResult Complete(string textBeforeCaret, string? languageId = null, int max = 20, string? documentKey = null)
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

            // Per order 1..3 the context's counts (see ContextTable), 0 when the context was never seen.
            var contexts = new int[3];
            for (var order = 1; order <= 3; order++)
            {
                if (context[3 - order] == NoToken)
                {
                    break;
                }

                contexts[order - 1] = _contexts.Get(ContextKey(context, order));
            }

            var (lower, upper) = PrefixRange(prefix);
            var candidates = new HashSet<int>();
            foreach (var counts in contexts)
            {
                if (counts == 0)
                {
                    continue;
                }

                if (prefix.Length > 0 && upper - lower < _contexts.Distinct(counts))
                {
                    // Fewer words share the prefix than follow the context: test those words instead.
                    for (var i = lower; i < upper; i++)
                    {
                        if (_contexts.Count(counts, _sorted[i]) > 0)
                        {
                            candidates.Add(_sorted[i]);
                        }
                    }
                }
                else
                {
                    // Within one context a higher count means a higher score, so its best `max` matches suffice.
                    _contexts.AddTopWords(counts, word => prefix.Length == 0 || _words[word].StartsWith(prefix, StringComparison.OrdinalIgnoreCase), max, Ranks(), candidates);
                }
            }

            AddTopUnigrams(lower, upper, max, candidates);
            var ranks = Ranks();
            var cache = documentKey is not null && _documents.TryGetValue(documentKey, out var encoded)
                ? DocumentCache.Build(Statistics(encoded), context, _isWord, word => ranks[word] >= lower && ranks[word] < upper)
                : null;
            cache?.AddCandidates(candidates, max);
            var scored = new List<(int Word, double Score)>(candidates.Count);
            foreach (var word in candidates)
            {
                if (_unigrams[word] > 0 && !_words[word].Equals(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    var score = Score(word, contexts) + (cache is null ? 0 : DocumentWeight * cache.Score(word));
                    if (prefix.Length > 0 && !_words[word].StartsWith(prefix, StringComparison.Ordinal))
                    {
                        score *= CaseMismatchFactor;
                    }

                    scored.Add((word, score));
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
    private double Score(int word, int[] contexts)
    {
        for (var order = 3; order >= 1; order--)
        {
            var counts = contexts[order - 1];
            if (counts != 0)
            {
                var count = _contexts.Count(counts, word);
                if (count > 0)
                {
                    return (order + (double)count / _contexts.Total(counts)) / 4;
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
            var key = ((long)_unigrams[word], -i);
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

        if (TryGetId(token, out var id))
        {
            return id;
        }

        if (_words.Count >= MaxVocabulary)
        {
            return UnknownToken;
        }

        var text = token.ToString();
        id = _words.Count;
        AddId(text, id);
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
        _ => TryGetId(token, out var id) ? id : UnknownToken,
    };

    private bool TryGetId(ReadOnlySpan<char> token, out int id)
    {
        var table = _idTable;
        var mask = table.Length - 1;
        var i = string.GetHashCode(token) & mask;
        while (true)
        {
            var entry = table[i];
            if (entry == 0)
            {
                id = 0;
                return false;
            }

            if (token.SequenceEqual(_words[entry - 1]))
            {
                id = entry - 1;
                return true;
            }

            i = (i + 1) & mask;
        }
    }

    // Called under the write lock (or from the constructor) before the word is appended to _words.
    private void AddId(string token, int id)
    {
        if ((id + 1) * 4L > _idTable.Length * 3L)
        {
            var grown = new int[_idTable.Length * 2];
            for (var other = 0; other < id; other++)
            {
                Insert(grown, _words[other], other);
            }

            _idTable = grown;
        }

        Insert(_idTable, token, id);

        static void Insert(int[] table, string token, int id)
        {
            var mask = table.Length - 1;
            var i = string.GetHashCode(token.AsSpan()) & mask;
            while (table[i] != 0)
            {
                i = (i + 1) & mask;
            }

            table[i] = id + 1;
        }
    }

    // Adds (sign +1) or subtracts (−1) a document's unigram and n-gram counts.
    private void Count(ReadOnlySpan<int> tokens, int sign)
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

                _contexts.Add(ContextKey(context, order), word, sign);
            }
        }
    }

    private void CountEncoded(byte[] encoded, int sign)
    {
        var tokens = ArrayPool<int>.Shared.Rent(Math.Max(1, encoded.Length));
        try
        {
            var n = 0;
            var value = 0;
            var shift = 0;
            foreach (var b in encoded)
            {
                value |= (b & 0x7F) << shift;
                if (b < 0x80)
                {
                    tokens[n++] = value;
                    value = 0;
                    shift = 0;
                }
                else
                {
                    shift += 7;
                }
            }

            Count(tokens.AsSpan(0, n), sign);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(tokens);
        }
    }

    // Token ids and word counts of each document version, kept while its encoded array lives (SetDocument replaces
    // the array, so an edited document is recomputed once, on its first query).
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], DocumentStatistics> _statistics = new();

    private DocumentStatistics Statistics(byte[] encoded) => _statistics.GetValue(encoded, e => new DocumentStatistics(e, _isWord));

    private static byte[] Encode(ReadOnlySpan<int> tokens)
    {
        var length = 0;
        foreach (var id in tokens)
        {
            length += id < 1 << 7 ? 1 : id < 1 << 14 ? 2 : id < 1 << 21 ? 3 : 4;
        }

        var encoded = new byte[length];
        var n = 0;
        foreach (var token in tokens)
        {
            var id = (uint)token;
            while (id >= 0x80)
            {
                encoded[n++] = (byte)(id | 0x80);
                id >>= 7;
            }

            encoded[n++] = (byte)id;
        }

        return encoded;
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
}
