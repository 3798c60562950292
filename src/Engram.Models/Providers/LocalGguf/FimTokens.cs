using LLama.Native;

namespace Engram.Models.Providers.LocalGguf;

/// <summary>The texts of a model's three fill-in-the-middle tokens, e.g. <c>&lt;|fim_prefix|&gt;</c>, <c>&lt;|fim_suffix|&gt;</c>, <c>&lt;|fim_middle|&gt;</c>.</summary>
/// <param name="Prefix">Token that opens the code before the cursor.</param>
/// <param name="Suffix">Token that opens the code after the cursor.</param>
/// <param name="Middle">Token after which the model writes the middle.</param>
public sealed record FimTokens(string Prefix, string Suffix, string Middle)
{
    /// <summary>The <c>&lt;|fim_prefix|&gt;</c> family (Qwen2.5-Coder, StarCoder 2 style with bars).</summary>
    public static FimTokens Bars { get; } = new("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>");

    /// <summary>The <c>&lt;fim_prefix&gt;</c> family (StarCoder, SantaCoder).</summary>
    public static FimTokens Plain { get; } = new("<fim_prefix>", "<fim_suffix>", "<fim_middle>");

    /// <summary>
    /// The FIM tokens of <paramref name="vocab"/>, or null when it lacks any of the three. llama.cpp recognises them when it
    /// loads the model (GGUF <c>tokenizer.ggml.fim_*_token_id</c> keys, else token texts such as <c>&lt;|fim_prefix|&gt;</c>,
    /// <c>&lt;fim-prefix&gt;</c>, <c>&lt;fim_prefix&gt;</c>, <c>&lt;PRE&gt;</c>).
    /// </summary>
    public static FimTokens? FromVocabulary(SafeLlamaModelHandle.Vocabulary vocab)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        if (vocab.InfillPrefix is not { } pre || vocab.InfillSuffix is not { } suf || vocab.InfillMiddle is not { } mid)
        {
            return null;
        }

        var texts = new[] { vocab.LLamaTokenToString(pre, true), vocab.LLamaTokenToString(suf, true), vocab.LLamaTokenToString(mid, true) };
        return texts.Any(string.IsNullOrEmpty) ? null : new FimTokens(texts[0]!, texts[1]!, texts[2]!);
    }
}
