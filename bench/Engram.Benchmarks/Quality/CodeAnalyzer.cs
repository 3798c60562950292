using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Util;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// The BM25 baseline's analyzer: identifiers split on camelCase, PascalCase, snake_case and digit boundaries,
/// the whole identifier kept as well, everything lower-cased (<c>JsonTextReader</c> → <c>jsontextreader</c>,
/// <c>json</c>, <c>text</c>, <c>reader</c>). No stemming, no stop words: that is the baseline BENCHMARKS.md fixes.
/// </summary>
internal sealed class CodeAnalyzer : Analyzer
{
    /// <summary>The Lucene compatibility version used throughout the baseline.</summary>
    public static readonly LuceneVersion Version = LuceneVersion.LUCENE_48;

    private const WordDelimiterFlags Flags =
        WordDelimiterFlags.GENERATE_WORD_PARTS |
        WordDelimiterFlags.GENERATE_NUMBER_PARTS |
        WordDelimiterFlags.SPLIT_ON_CASE_CHANGE |
        WordDelimiterFlags.SPLIT_ON_NUMERICS |
        WordDelimiterFlags.PRESERVE_ORIGINAL;

    /// <inheritdoc />
    protected override TokenStreamComponents CreateComponents(string fieldName, TextReader reader)
    {
        var tokenizer = new IdentifierTokenizer(Version, reader);
        TokenStream stream = new WordDelimiterFilter(Version, tokenizer, Flags, null);
        stream = new LowerCaseFilter(Version, stream);
        return new TokenStreamComponents(tokenizer, stream);
    }
}
