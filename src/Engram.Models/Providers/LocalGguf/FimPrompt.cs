using LLama.Native;

namespace Engram.Models.Providers.LocalGguf;

/// <summary>A fill-in-the-middle prompt: the text to tokenize (with special tokens parsed) and whether it uses FIM tokens.</summary>
/// <param name="Text">Prompt text; when <paramref name="UsesFimTokens"/> it contains the model's FIM token texts.</param>
/// <param name="UsesFimTokens">True when the model's FIM tokens were used; false for the plain prefix completion fallback.</param>
public sealed record FimPrompt(string Text, bool UsesFimTokens)
{
    /// <summary>
    /// Builds the prompt for completing the text between <paramref name="prefix"/> and <paramref name="suffix"/>:
    /// <c>PRE prefix SUF suffix MID</c> (PSM order, as Code Llama, StarCoder, DeepSeek-Coder and Qwen-Coder expect) when
    /// <paramref name="tokens"/> is not null, else just <paramref name="prefix"/> (plain completion; the suffix is lost).
    /// </summary>
    public static FimPrompt Build(FimTokens? tokens, string prefix, string suffix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(suffix);
        return tokens is null
            ? new FimPrompt(prefix, UsesFimTokens: false)
            : new FimPrompt(string.Concat(tokens.Prefix, prefix, tokens.Suffix, suffix, tokens.Middle), UsesFimTokens: true);
    }

    /// <summary>Builds the prompt with the FIM tokens of <paramref name="vocab"/> (see <see cref="FimTokens.FromVocabulary"/>).</summary>
    public static FimPrompt Build(SafeLlamaModelHandle.Vocabulary vocab, string prefix, string suffix) =>
        Build(FimTokens.FromVocabulary(vocab), prefix, suffix);
}
