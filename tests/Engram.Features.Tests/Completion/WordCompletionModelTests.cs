using Engram.Features.Completion;
using Engram.Features.Tests.Support;

namespace Engram.Features.Tests.Completion;

public sealed class WordCompletionModelTests
{
    private static readonly Dictionary<string, string> s_corpus = new()
    {
        ["Store.cs"] = """
            public sealed class Store
            {
                public int GetValue(string key) => _values[key];
                public int GetValue(int index) => _items[index];
                public void SetValue(string key, int value) => _values[key] = value;
                public bool GetVisible() => _visible;
                // Returns the cached value for the given key.
                private readonly Dictionary<string, int> _values = new();
            }
            """,
        ["Use.cs"] = """
            var store = new Store();
            var total = store.GetValue("a") + store.GetValue("b");
            store.SetValue("c", total);
            Console.WriteLine(total);
            """,
        ["README.md"] = """
            # Engram

            The language server indexes the workspace. The language server answers completion requests.
            Run the language server with `engram lsp`.
            """,
        ["commit.txt"] = """
            Fix off-by-one in the chunk splitter

            Fix crash when the index is empty.
            """,
        ["util.py"] = """
            def read_config(path):
                return load_json(path)

            config = read_config("a.json")
            """,
    };

    public static TheoryData<string, string> Fixtures => new()
    {
        // Identifier completion after a member access: the context "store ." picks the method.
        { "var x = store.Get$0", "GetValue" },
        { "store.Set$0", "SetValue" },
        // Case-insensitive prefix.
        { "var y = store.getv$0", "GetValue" },
        // Word boundary (empty prefix): the most likely next word.
        { "The language $0", "server" },
        { "Run the language server $0", "with" },
        // Prose in Markdown and commit messages.
        { "Run the lang$0", "language" },
        { "Fix crash when the in$0", "index" },
        { "config = read_$0", "read_config" },
        // Comments use the same model.
        { "    // Returns the cached $0", "value" },
        // Unigram fallback: an unseen context still completes by frequency.
        { "zzz qqq Dic$0", "Dictionary" },
    };

    private static WordCompletionModel Train()
    {
        var model = new WordCompletionModel();
        foreach (var (key, text) in s_corpus)
        {
            model.SetDocument(key, text);
        }

        return model;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Completes_the_caret(string fixture, string expected)
    {
        var (text, offset) = Caret.Parse(fixture);
        var result = Train().Complete(text[..offset]);
        Assert.NotEmpty(result.Suggestions);
        Assert.Equal(expected, result.Suggestions[0].Word);
    }

    [Fact]
    public void Reports_the_prefix_and_its_start()
    {
        var result = Train().Complete("x = store.GetV");
        Assert.Equal("GetV", result.Prefix);
        Assert.Equal(10, result.PrefixStart);
        Assert.All(result.Suggestions, s => Assert.StartsWith("getv", s.Word, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(["GetValue", "GetVisible"], result.Suggestions.Select(s => s.Word));
        Assert.Equal(4, result.Suggestions[0].Count);
    }

    [Fact]
    public void Scores_are_in_range_and_descending_and_max_is_honoured()
    {
        var result = Train().Complete("the ", max: 3);
        Assert.Equal(3, result.Suggestions.Count);
        Assert.All(result.Suggestions, s => Assert.InRange(s.Score, double.Epsilon, 1.0));
        Assert.True(result.Suggestions.Zip(result.Suggestions.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void Never_suggests_inside_a_number_or_the_partial_word_itself()
    {
        var model = Train();
        Assert.Empty(model.Complete("x = 12").Suggestions);
        Assert.DoesNotContain(model.Complete("store.GetValue").Suggestions, s => s.Word == "GetValue");
    }

    [Fact]
    public void Incremental_updates_equal_a_fresh_train()
    {
        var incremental = new WordCompletionModel();
        incremental.SetDocument("Store.cs", "class Junk { void Ignored() { Ignored(); Ignored(); } }");
        incremental.SetDocument("Extra.cs", "store.Garbage(); store.Garbage(); the language barrier");
        foreach (var (key, text) in s_corpus)
        {
            incremental.SetDocument(key, text);
        }

        Assert.True(incremental.RemoveDocument("Extra.cs"));
        Assert.False(incremental.RemoveDocument("Extra.cs"));
        var fresh = Train();

        Assert.Equal(fresh.DocumentCount, incremental.DocumentCount);
        Assert.Equal(fresh.TokenCount, incremental.TokenCount);
        foreach (var probe in new[] { "store.", "store.G", "the language ", "The ", "I", "", "Fix ", "// Returns the ", "var " })
        {
            var a = fresh.Complete(probe, max: 50).Suggestions;
            var b = incremental.Complete(probe, max: 50).Suggestions;
            Assert.Equal(a, b);
        }

        Assert.DoesNotContain(incremental.Complete("store.Gar").Suggestions, s => s.Word == "Garbage");
        Assert.DoesNotContain(incremental.Complete("Ign").Suggestions, s => s.Word == "Ignored");
    }

    [Fact]
    public void Contexts_with_many_followers_rank_by_count_and_stay_exact_after_updates()
    {
        // "obj." is followed by 200 different members; Member7 most often, Member42 next.
        var lines = Enumerable.Range(0, 200).Select(i => $"obj.Member{i}();").ToList();
        lines.AddRange(Enumerable.Repeat("obj.Member7();", 5));
        lines.AddRange(Enumerable.Repeat("obj.Member42();", 3));
        var model = new WordCompletionModel();
        model.SetDocument("a", string.Join('\n', lines));

        Assert.Equal(["Member7", "Member42"], model.Complete("obj.", max: 2).Suggestions.Select(s => s.Word));
        Assert.Equal(["Member42"], model.Complete("obj.Member4", max: 1).Suggestions.Select(s => s.Word));

        // The cache of the sorted followers must follow updates.
        model.SetDocument("b", string.Join('\n', Enumerable.Repeat("obj.Member99();", 10)));
        Assert.Equal("Member99", model.Complete("obj.").Suggestions[0].Word);
        model.RemoveDocument("b");
        Assert.Equal("Member7", model.Complete("obj.").Suggestions[0].Word);

        // Many small edits after the sort (tracked as changed words, then a re-sort) still give exact results.
        for (var i = 0; i < 40; i++)
        {
            model.SetDocument("c" + i, $"obj.Member{i * 3}(); obj.Member{i * 3}(); obj.Fresh{i}();");
            Assert.NotEmpty(model.Complete("obj.", max: 5).Suggestions);
            Assert.NotEmpty(model.Complete("unseen context ", max: 5).Suggestions);
        }

        var fresh = new WordCompletionModel();
        fresh.SetDocument("a", string.Join('\n', lines));
        for (var i = 0; i < 40; i++)
        {
            fresh.SetDocument("c" + i, $"obj.Member{i * 3}(); obj.Member{i * 3}(); obj.Fresh{i}();");
        }

        foreach (var probe in new[] { "obj.", "obj.M", "obj.Member1", "obj.F", "x.", "unseen context ", "unseen M" })
        {
            Assert.Equal(fresh.Complete(probe, max: 30).Suggestions, model.Complete(probe, max: 30).Suggestions);
        }
    }

    [Fact]
    public void The_caret_documents_own_words_and_ngrams_outrank_the_workspaces()
    {
        // Workspace-wide, "cache." is followed by Clear far more often than by Evict; the open document says Evict.
        var model = new WordCompletionModel();
        model.SetDocument("other.cs", string.Join('\n', Enumerable.Repeat("cache.Clear(); Console.WriteLine(total);", 30)));
        model.SetDocument("open.cs", "cache.Evict(key);\ncache.Evict(other);\nvar widget = Make();\nMeasure(widget, widget);\n");

        Assert.Equal("Clear", model.Complete("cache.").Suggestions[0].Word);
        Assert.Equal("Evict", model.Complete("cache.", documentKey: "open.cs").Suggestions[0].Word);

        // With no context match, a word frequent in the document beats one frequent in the workspace.
        Assert.Equal("WriteLine", model.Complete("zzz w").Suggestions[0].Word);
        Assert.Equal("widget", model.Complete("zzz w", documentKey: "open.cs").Suggestions[0].Word);

        // An unknown key changes nothing.
        Assert.Equal(model.Complete("cache.", max: 10).Suggestions, model.Complete("cache.", max: 10, documentKey: "missing.cs").Suggestions);
    }

    [Fact]
    public void The_typed_prefixs_case_is_preferred_but_not_required()
    {
        var model = new WordCompletionModel();
        model.SetDocument("a", "the user said user and user again on Unix");
        Assert.Equal(["user", "Unix"], model.Complete("zzz u").Suggestions.Select(s => s.Word));
        Assert.Equal(["Unix", "user"], model.Complete("zzz U").Suggestions.Select(s => s.Word));
        Assert.Equal("Unix", model.Complete("zzz UN").Suggestions.Single().Word);
    }

    [Fact]
    public void Empty_model_returns_no_suggestions()
    {
        var model = new WordCompletionModel();
        Assert.Empty(model.Complete("hello wor").Suggestions);
        Assert.Equal(0, model.DocumentCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Complete("x", max: 0));
    }

    [Fact]
    public async Task Trains_on_indexable_files_only()
    {
        using var repo = new TempGitRepo();
        repo.Write(".gitignore", "ignored/\n")
            .Write("src/a.cs", "var widget = MakeWidget(); widget.Render();")
            .Write("ignored/b.cs", "IgnoredIdentifier IgnoredIdentifier")
            .Write("blob.dat", "BinaryIdentifier\0\0\0");
        repo.Commit();

        var model = await WordCompletionModel.TrainAsync([repo.Root]);

        Assert.Equal(2, model.DocumentCount); // .gitignore and src/a.cs, not the ignored or binary file
        Assert.Equal("MakeWidget", model.Complete("Make").Suggestions.Single().Word);
        Assert.Empty(model.Complete("IgnoredI").Suggestions);
        Assert.Empty(model.Complete("BinaryI").Suggestions);
        Assert.Equal("Render", model.Complete("widget.").Suggestions[0].Word);
    }

    [Fact]
    public async Task Concurrent_updates_and_queries_do_not_corrupt_the_model()
    {
        var model = Train();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                model.SetDocument($"doc{w}", $"alpha{i} beta{i} store.GetValue(x{i});");
            }

            model.RemoveDocument($"doc{w}");
        }));
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                Assert.NotNull(model.Complete("store.Ge"));
            }
        }));
        await Task.WhenAll(writers.Concat(readers));

        Assert.Equal(Train().Complete("store.", max: 50).Suggestions, model.Complete("store.", max: 50).Suggestions);
    }
}
