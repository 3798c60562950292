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
/// <remarks>Thread-safe: updates and queries may run concurrently. Target: p95 ≤ 5 ms per <see cref="Complete"/>.</remarks>
public sealed class WordCompletionModel
{
    /// <summary>Number of documents the model holds.</summary>
    public int DocumentCount => throw new NotImplementedException();

    /// <summary>Number of tokens counted over all documents.</summary>
    public long TokenCount => throw new NotImplementedException();

    /// <summary>Adds or replaces the counts of one document (key: a full path or URI).</summary>
    public void SetDocument(string key, string text) => throw new NotImplementedException();

    /// <summary>Removes one document's counts; false when the key was unknown.</summary>
    public bool RemoveDocument(string key) => throw new NotImplementedException();

    /// <summary>
    /// Trains on every indexable file under <paramref name="roots"/> (same eligibility rules as the engram index:
    /// git-ignored, binary and oversized files skipped).
    /// </summary>
    public static Task<WordCompletionModel> TrainAsync(IReadOnlyList<string> roots, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>
    /// Suggests words for the caret at the end of <paramref name="textBeforeCaret"/> (pass at least the current line
    /// and a few lines before it).
    /// </summary>
    /// <param name="textBeforeCaret">The document text up to the caret.</param>
    /// <param name="languageId">The LSP language id (e.g. <c>csharp</c>, <c>markdown</c>, <c>git-commit</c>), or null.</param>
    /// <param name="max">Maximum number of suggestions (≥ 1).</param>
    public WordCompletionResult Complete(string textBeforeCaret, string? languageId = null, int max = 20) =>
        throw new NotImplementedException();
}
