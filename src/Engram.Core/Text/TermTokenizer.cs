using System.Buffers;

namespace Engram.Core.Text;

/// <summary>
/// Splits code and prose into lower-case terms: identifiers are cut on camelCase, PascalCase, digits,
/// snake_case and kebab-case boundaries (<c>XmlHttpRequest2</c> → <c>xml</c>, <c>http</c>, <c>request</c>, <c>2</c>),
/// and the whole identifier is kept too when it has several parts (<c>xmlhttprequest2</c>).
/// </summary>
/// <remarks>
/// Terms are at most <see cref="MaxTermLength"/> characters; English and code stopwords are dropped, and a light
/// plural stemmer maps <c>values</c> to <c>value</c> so that prose queries meet identifiers. Pure function, thread-safe.
/// </remarks>
public static class TermTokenizer
{
    /// <summary>Longer terms are truncated to this many characters.</summary>
    public const int MaxTermLength = 40;

    private static readonly SearchValues<char> s_wordChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    private static readonly HashSet<string> s_stopwords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it", "its", "of",
        "on", "or", "that", "the", "this", "to", "was", "were", "will", "with", "which", "when", "if", "then", "else",
        "not", "no", "can", "do", "does", "into", "than", "these", "those", "there", "their", "them", "they", "so",
        "such", "but", "been", "being", "also", "may", "should", "would", "could", "any", "all", "each", "other",
        "public", "private", "protected", "internal", "static", "readonly", "const", "var", "let", "new", "return",
        "void", "using", "namespace", "class", "struct", "sealed", "override", "virtual", "abstract", "async", "await",
        "function", "def", "self", "true", "false", "undefined", "nil", "none",
        "see", "cref", "summary", "param", "returns", "typeparam", "paramref", "langword",
        "exports", "module", "require", "import", "export", "typeof", "instanceof", "break",
    };

    /// <summary>Returns the terms of <paramref name="text"/> in order of appearance (duplicates kept).</summary>
    public static List<string> Tokenize(string text)
    {
        var terms = new List<string>();
        Tokenize(text, terms);
        return terms;
    }

    /// <summary>Appends the terms of <paramref name="text"/> to <paramref name="terms"/> in order of appearance.</summary>
    public static void Tokenize(ReadOnlySpan<char> text, List<string> terms)
    {
        var i = 0;
        while (i < text.Length)
        {
            var start = text[i..].IndexOfAny(s_wordChars);
            if (start < 0)
            {
                break;
            }

            start += i;
            var length = text[start..].IndexOfAnyExcept(s_wordChars);
            var end = length < 0 ? text.Length : start + length;
            AddIdentifier(text[start..end], terms);
            i = end;
        }
    }

    /// <summary>True when <paramref name="term"/> (lower case) is dropped as a stopword.</summary>
    public static bool IsStopword(string term) => s_stopwords.Contains(term);

    private static void AddIdentifier(ReadOnlySpan<char> word, List<string> terms)
    {
        var before = terms.Count;
        var partStart = -1;
        for (var k = 0; k <= word.Length; k++)
        {
            var boundary = k == word.Length || word[k] == '_' || IsBoundary(word, k);
            if (boundary && partStart >= 0)
            {
                AddTerm(word[partStart..k], terms);
                partStart = -1;
            }

            if (k < word.Length && word[k] != '_' && partStart < 0)
            {
                partStart = k;
            }
        }

        if (terms.Count - before > 1)
        {
            Span<char> joined = stackalloc char[Math.Min(word.Length, MaxTermLength)];
            var n = 0;
            foreach (var c in word)
            {
                if (c != '_' && n < joined.Length)
                {
                    joined[n++] = char.ToLowerInvariant(c);
                }
            }

            var whole = new string(joined[..n]);
            if (!s_stopwords.Contains(whole))
            {
                terms.Add(whole);
            }
        }
    }

    // A boundary sits before position k when case or digit-ness changes: fooBar | FOOBar (before the last capital) | foo2.
    private static bool IsBoundary(ReadOnlySpan<char> w, int k)
    {
        if (k == 0)
        {
            return false;
        }

        char prev = w[k - 1], cur = w[k];
        if (char.IsDigit(prev) != char.IsDigit(cur))
        {
            return true;
        }

        if (char.IsLower(prev) && char.IsUpper(cur))
        {
            return true;
        }

        return char.IsUpper(prev) && char.IsUpper(cur) && k + 1 < w.Length && char.IsLower(w[k + 1]);
    }

    private static void AddTerm(ReadOnlySpan<char> part, List<string> terms)
    {
        if (part.Length > MaxTermLength)
        {
            part = part[..MaxTermLength];
        }

        Span<char> lower = stackalloc char[part.Length];
        part.ToLowerInvariant(lower);
        var length = Stem(lower);
        if (length == 0)
        {
            return;
        }

        var term = new string(lower[..length]);
        if (!s_stopwords.Contains(term))
        {
            terms.Add(term);
        }
    }

    // Light plural stemming (S-stemmer of Harman 1991): "ies"→"y", "es"→"e" (except after "a", "e", "o"), "s"→"" (except "ss", "us").
    private static int Stem(Span<char> w)
    {
        var n = w.Length;
        if (n <= 3 || w[n - 1] != 's')
        {
            return n;
        }

        if (w.EndsWith("ies") && !w.EndsWith("eies") && !w.EndsWith("aies"))
        {
            w[n - 3] = 'y';
            return n - 2;
        }

        if (w.EndsWith("es") && !w.EndsWith("aes") && !w.EndsWith("ees") && !w.EndsWith("oes"))
        {
            return n - 1;
        }

        return w[n - 2] is 's' or 'u' or 'i' ? n : n - 1;
    }
}
