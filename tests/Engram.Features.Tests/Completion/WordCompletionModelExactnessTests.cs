using System.Text;
using Engram.Features.Completion;

namespace Engram.Features.Tests.Completion;

/// <summary>
/// The compact word model against <see cref="LegacyWordCompletionModel"/> (the implementation before the compact
/// memory layout): same suggestions, scores and counts on random corpora, through additions, re-sets and removals.
/// </summary>
public sealed class WordCompletionModelExactnessTests
{
    private static readonly string[] s_punctuation = [".", ",", "(", ")", ";", "=", "{", "}", "->", "#", "\n", "\n\n", " 42 ", " 7x ", "é", "😀"];

    [Theory]
    [InlineData(1, 40, 30)]
    [InlineData(2, 400, 12)]
    [InlineData(3, 3000, 6)]
    public void Suggestions_equal_the_legacy_model_through_updates(int seed, int vocabulary, int documents)
    {
        var rng = new Random(seed);
        var words = Vocabulary(rng, vocabulary);
        var model = new WordCompletionModel();
        var legacy = new LegacyWordCompletionModel();
        var texts = new Dictionary<string, string>();

        for (var round = 0; round < 4; round++)
        {
            for (var d = 0; d < documents; d++)
            {
                var key = "doc" + rng.Next(documents + round);
                if (rng.Next(6) == 0 && texts.Remove(key))
                {
                    Assert.True(model.RemoveDocument(key));
                    Assert.True(legacy.RemoveDocument(key));
                    continue;
                }

                var text = Text(rng, words, rng.Next(0, 1500));
                texts[key] = text;
                model.SetDocument(key, text);
                legacy.SetDocument(key, text);
            }

            Assert.Equal(legacy.DocumentCount, model.DocumentCount);
            Assert.Equal(legacy.TokenCount, model.TokenCount);
            Assert.Equal(legacy.VocabularySize, model.VocabularySize);
            Compare(rng, model, legacy, words, texts.Values.ToList(), 150);
        }

        foreach (var key in texts.Keys.ToList())
        {
            model.RemoveDocument(key);
            legacy.RemoveDocument(key);
        }

        Assert.Equal(0, model.TokenCount);
        Assert.Empty(model.Complete("a").Suggestions);
        Assert.Empty(model.Complete("x . ").Suggestions);
    }

    [Fact]
    public void Frequent_single_followers_and_wide_contexts_stay_exact()
    {
        // "alpha beta" 3,000 times: one follower whose count outgrows the compact single-follower form; "obj ." is
        // followed by 500 members, so its followers live in a hashed list with a sorted cache.
        var rng = new Random(7);
        var model = new WordCompletionModel();
        var legacy = new LegacyWordCompletionModel();
        var repeated = string.Join(' ', Enumerable.Repeat("alpha beta", 3000));
        var wide = string.Join('\n', Enumerable.Range(0, 2000).Select(_ => $"obj.Member{(int)Math.Pow(rng.Next(1, 500 * 500), 0.5)}();"));
        foreach (var m in new IWordModel[] { new Compact(model), new Legacy(legacy) })
        {
            m.Set("a", repeated);
            m.Set("b", wide);
        }

        string[] probes = ["alpha ", "alpha b", "obj.", "obj.M", "obj.Member1", "obj.Member49", "beta alpha ", "", "M"];
        Same(model, legacy, probes);

        // Churn: many small edits after the caches were built, then removals down to below the single-count limit.
        for (var i = 0; i < 60; i++)
        {
            var text = $"obj.Member{rng.Next(600)}(); obj.Member{rng.Next(600)}(); obj.Fresh{i}(); alpha beta";
            model.SetDocument("c" + (i % 7), text);
            legacy.SetDocument("c" + (i % 7), text);
            Same(model, legacy, probes);
        }

        var shorter = string.Join(' ', Enumerable.Repeat("alpha beta", 10));
        model.SetDocument("a", shorter);
        legacy.SetDocument("a", shorter);
        model.RemoveDocument("b");
        legacy.RemoveDocument("b");
        Same(model, legacy, probes);
        Assert.Equal("beta", model.Complete("alpha ").Suggestions[0].Word);
    }

    private static void Same(WordCompletionModel model, LegacyWordCompletionModel legacy, IEnumerable<string> probes)
    {
        foreach (var probe in probes)
        {
            foreach (var max in new[] { 1, 5, 20, 100 })
            {
                var expected = legacy.Complete(probe, max: max);
                var actual = model.Complete(probe, max: max);
                Assert.Equal(expected.Prefix, actual.Prefix);
                Assert.Equal(expected.PrefixStart, actual.PrefixStart);
                Assert.Equal(expected.Suggestions, actual.Suggestions);
            }
        }
    }

    private static void Compare(Random rng, WordCompletionModel model, LegacyWordCompletionModel legacy, string[] words, List<string> texts, int probes)
    {
        var list = new List<string>();
        for (var i = 0; i < probes; i++)
        {
            string before;
            if (texts.Count > 0 && rng.Next(4) != 0)
            {
                var text = texts[rng.Next(texts.Count)];
                before = text[..rng.Next(text.Length + 1)];
            }
            else
            {
                before = Text(rng, words, rng.Next(0, 6));
            }

            // Often end in a partial word (0–3 characters of a known word, sometimes in another case).
            if (rng.Next(2) == 0)
            {
                var word = words[rng.Next(words.Length)];
                var typed = word[..Math.Min(word.Length, rng.Next(0, 4))];
                before += " " + (rng.Next(3) == 0 ? typed.ToUpperInvariant() : typed);
            }

            list.Add(before);
        }

        Same(model, legacy, list);
    }

    private static string[] Vocabulary(Random rng, int size)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        const string letters = "abcdeGHIJklmnopqrStuvwxyz_";
        while (words.Count < size)
        {
            var length = rng.Next(1, 9);
            var chars = new char[length];
            for (var i = 0; i < length; i++)
            {
                chars[i] = letters[rng.Next(i == 0 ? letters.Length : letters.Length)];
            }

            if (char.IsLetter(chars[0]) || chars[0] == '_')
            {
                var word = new string(chars);
                words.Add(word);
                if (rng.Next(5) == 0)
                {
                    words.Add(word.ToUpperInvariant()); // case variants share prefix ranges
                }
            }
        }

        return [.. words];
    }

    // Zipf-like: low indexes much more frequent, so contexts repeat and some get many followers.
    private static string Text(Random rng, string[] words, int tokens)
    {
        var text = new StringBuilder();
        for (var i = 0; i < tokens; i++)
        {
            if (rng.Next(5) == 0)
            {
                text.Append(s_punctuation[rng.Next(s_punctuation.Length)]);
            }
            else
            {
                var index = (int)(words.Length * Math.Pow(rng.NextDouble(), 3));
                text.Append(words[Math.Min(index, words.Length - 1)]);
            }

            text.Append(rng.Next(4) == 0 ? "" : " ");
        }

        return text.ToString();
    }

    private interface IWordModel
    {
        void Set(string key, string text);
    }

    private sealed class Compact(WordCompletionModel model) : IWordModel
    {
        public void Set(string key, string text) => model.SetDocument(key, text);
    }

    private sealed class Legacy(LegacyWordCompletionModel model) : IWordModel
    {
        public void Set(string key, string text) => model.SetDocument(key, text);
    }
}
