using Lucene.Net.Analysis.Util;
using Lucene.Net.Util;

namespace Engram.Benchmarks.Quality;

/// <summary>Cuts text into runs of letters, digits and underscores: whole identifiers such as <c>serializeObject</c> or <c>_curry3</c>.</summary>
internal sealed class IdentifierTokenizer(LuceneVersion matchVersion, TextReader input) : CharTokenizer(matchVersion, input)
{
    /// <inheritdoc />
    protected override bool IsTokenChar(int c) => char.IsLetterOrDigit((char)c) || c == '_';
}
