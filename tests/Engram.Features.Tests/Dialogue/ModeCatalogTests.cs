using Engram.Features.Dialogue;

namespace Engram.Features.Tests.Dialogue;

/// <summary>The engine's mode loader: every shipped mode resolves; inheritance tables; errors name file, path and expectation.</summary>
public sealed class ModeCatalogTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "engram-mode-tests", Guid.NewGuid().ToString("n")[..12]);

    public ModeCatalogTests()
    {
        Directory.CreateDirectory(_dir);
        File.Copy(Path.Combine(DialogueTestKit.ShippedModesDirectory, "mode.schema.json"), Path.Combine(_dir, "mode.schema.json"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EveryShippedModeLoadsWithoutErrors()
    {
        var catalog = new ModeCatalog([DialogueTestKit.ShippedModesDirectory]);
        Assert.Empty(catalog.Errors);
        Assert.Equal(["code-review-panel", "critique", "debate", "detective", "loop", "panel", "research"], catalog.Modes.Select(m => m.Name));
    }

    // mode → resolved turn ids, phase layout ("|" parallel, "→" sequential), role of the first turn, budget.
    [Theory]
    [InlineData("debate", "pro,con,judge", "pro|con → judge", "pro", 0.5)]
    [InlineData("panel", "expert_a,expert_b,expert_c,synthesizer", "expert_a|expert_b|expert_c → synthesizer", "technical expert", 0.6)]
    [InlineData("code-review-panel", "expert_a,expert_b,expert_c,synthesizer", "expert_a|expert_b|expert_c → synthesizer", "correctness reviewer", 0.8)]
    [InlineData("loop", "reasoner,critic", "reasoner → critic", "reasoner", 0.75)]
    [InlineData("critique", "draft,critic,revise", "draft → critic → revise", "author", 0.5)]
    public void ShippedModesResolveAsExpected(string name, string turns, string layout, string firstRole, double budget)
    {
        var mode = new ModeCatalog([DialogueTestKit.ShippedModesDirectory]).Get(name);
        Assert.Equal(turns, string.Join(",", mode.Turns.Select(t => t.Id)));
        Assert.Equal(layout, string.Join(" → ", mode.Phases.Select(p => string.Join(p.Parallel ? "|" : " → ", p.Turns))));
        Assert.Equal(firstRole, mode.Turns[0].Role);
        Assert.Equal((decimal)budget, mode.MaxCostUsd);
    }

    [Fact]
    public void CodeReviewPanelOverridesOnlyWhatItNames()
    {
        var catalog = new ModeCatalog([DialogueTestKit.ShippedModesDirectory]);
        var panel = catalog.Get("panel");
        var review = catalog.Get("code-review-panel");
        var a = review.Turn("expert_a");
        Assert.Equal(["code", "review"], a.Participant.Capabilities);
        Assert.Equal(new RetrievalSpec("{topic}", 8), a.Retrieval);
        Assert.Equal(panel.Turn("expert_a").MaxTokens, a.MaxTokens);
        Assert.Equal(panel.Turn("synthesizer").ContextFrom!.Turns, review.Turn("synthesizer").ContextFrom!.Turns);
        Assert.Contains("{turn_expert_b}", review.Turn("synthesizer").Prompt, StringComparison.Ordinal);
    }

    // Three levels: base → mid (overrides b, adds c) → leaf (overrides c, adds d, own budget).
    [Theory]
    [InlineData("base", "a,b", "A-base,B-base", null)]
    [InlineData("mid", "a,b,c", "A-base,B-mid,C-mid", null)]
    [InlineData("leaf", "a,b,c,d", "A-base,B-mid,C-leaf,D-leaf", 0.25)]
    public void InheritanceResolvesThroughSeveralLevels(string name, string ids, string prompts, double? budget)
    {
        Write("base", """{"name":"base","description":"b","structure":"sequential","turns":[T("a","A-base"),T("b","B-base")]}""");
        Write("mid", """{"name":"mid","description":"m","extends":"base","overrides":{"b":{"prompt":"B-mid"}},"additional_turns":[T("c","C-mid")]}""");
        Write("leaf", """{"name":"leaf","description":"l","extends":"mid","overrides":{"c":{"prompt":"C-leaf"}},"additional_turns":[T("d","D-leaf")],"budget":{"max_cost_usd":0.25}}""");
        var catalog = new ModeCatalog([_dir]);
        Assert.Empty(catalog.Errors);
        var mode = catalog.Get(name);
        Assert.Equal(ids, string.Join(",", mode.Turns.Select(t => t.Id)));
        Assert.Equal(prompts, string.Join(",", mode.Turns.Select(t => t.Prompt)));
        Assert.Equal(budget is null ? null : (decimal)budget.Value, mode.MaxCostUsd);
        Assert.Equal(Enumerable.Range(1, mode.Turns.Count), mode.Turns.Select(t => t.Position));
    }

    [Fact]
    public void AdditionalTurnsOfAPhasedParentRunInAFinalPhase()
    {
        Write("child", """{"name":"child","description":"c","extends":"debate","additional_turns":[T("summary","Summarise {turn_judge}")]}""");
        var catalog = new ModeCatalog([DialogueTestKit.ShippedModesDirectory, _dir]);
        var mode = catalog.Get("child");
        Assert.Equal(["arguments", "verdict", "additional"], mode.Phases.Select(p => p.Name));
        Assert.Equal(["summary"], mode.Phases[^1].Turns);
    }

    [Theory]
    [InlineData("missing", """{"name":"missing","description":"d","extends":"nowhere"}""", "$.extends", "nowhere")]
    [InlineData("cyc1", """{"name":"cyc1","description":"d","extends":"cyc2"}""", "$.extends", "cycle")]
    [InlineData("badover", """{"name":"badover","description":"d","extends":"debate","overrides":{"ghost":{"prompt":"x"}}}""", "$.overrides.ghost", "a turn of parent 'debate'")]
    [InlineData("badref", """{"name":"badref","description":"d","structure":"sequential","turns":[T("a","{turn_zz}")]}""", "$.turns[0].prompt", "{turn_zz} names no turn")]
    [InlineData("badplace", """{"name":"badplace","description":"d","structure":"sequential","turns":[T("a","{colour}")]}""", "$.turns[0].prompt", "unknown placeholder {colour}")]
    [InlineData("badctx", """{"name":"badctx","description":"d","structure":"sequential","turns":[{"id":"a","role":"r","participant":{"model":"m"},"prompt":"p","context_from":["nope"]}]}""", "$.turns[0].context_from", "'nope' is not a turn id")]
    [InlineData("badschema", """{"name":"badschema","description":"d","structure":"sequential","turns":[{"id":"a","role":"r","participant":{"capabilities":["telepathy"]},"prompt":"p"}]}""", "$.turns[0].participant", "expected")]
    [InlineData("badthreshold", """{"name":"badthreshold","description":"d","structure":"sequential","convergence":{"threshold":1.5,"between":["a"]},"turns":[T("a","p")]}""", "$.convergence.threshold", "expected")]
    [InlineData("wrongname", """{"name":"other","description":"d","structure":"sequential","turns":[T("a","p")]}""", "$.name", "file name")]
    [InlineData("syntax", "{\"name\": \"syntax\",\n  \"description\": }", "$", "line 2")]
    public void InvalidModesReportFilePathAndExpectation(string name, string json, string path, string expected)
    {
        Write("cyc2", """{"name":"cyc2","description":"d","extends":"cyc1"}""");
        Write(name, json);
        var catalog = new ModeCatalog([DialogueTestKit.ShippedModesDirectory, _dir]);
        var error = Assert.Throws<ModeException>(() => catalog.Get(name));
        Assert.Contains(Path.Combine(_dir, name + ".json"), error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);

        // The other modes still load.
        Assert.Contains(catalog.Modes, m => m.Name == "debate");
    }

    [Fact]
    public void LaterFoldersOverrideEarlierOnesByName()
    {
        Write("debate", """{"name":"debate","description":"my debate","structure":"sequential","turns":[T("only","{topic}")]}""");
        var catalog = new ModeCatalog([DialogueTestKit.ShippedModesDirectory, Path.Combine(_dir, "missing-folder"), _dir]);
        Assert.Equal("my debate", catalog.Get("debate").Description);
        Assert.Equal(["only"], catalog.Get("debate").Turns.Select(t => t.Id));
        Assert.Contains("Known modes", Assert.Throws<ArgumentException>(() => catalog.Get("nonesuch")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TemplatesFillPlaceholdersAndKeepLiteralBraces()
    {
        Assert.Equal("a {x} b 1 {unknown}", PromptTemplate.Fill("a {{x}} b {n} {unknown}", p => p == "n" ? "1" : null));
        Assert.Equal("v={topic}", PromptTemplate.Fill("v={t}", _ => "{topic}"));
    }

    [Fact]
    public void CompressionKeepsTheMostRelevantParagraphsWithinBudget()
    {
        var texts = new[] { "Gardening tips about soil.\n\nThe cache invalidation bug is in the index writer.", "Weather is nice.\n\nIndex writer cache flush fixed." };
        var compressed = ContextCompressor.Compress(texts, "index writer cache", budgetTokens: 25, relevantOnly: true);
        Assert.True(compressed.Length <= 100);
        Assert.Contains("cache", compressed, StringComparison.Ordinal);
        Assert.DoesNotContain("Gardening", compressed, StringComparison.Ordinal);
        var recent = ContextCompressor.Compress(texts, "q", budgetTokens: 5, relevantOnly: false);
        Assert.True(recent.Length <= 20);
        Assert.EndsWith("fixed.", recent, StringComparison.Ordinal);
        Assert.Equal(string.Join("\n\n", texts), ContextCompressor.Compress(texts, "q", 1000, relevantOnly: true));
    }

    [Fact]
    public void LexicalSimilarityIsACosine()
    {
        Assert.Equal(1.0, TextSimilarity.Lexical("the cat sat", "sat the cat"), 6);
        Assert.Equal(0.0, TextSimilarity.Lexical("alpha beta", "gamma delta"));
        Assert.InRange(TextSimilarity.Lexical("alpha beta gamma", "alpha beta delta"), 0.6, 0.7);
    }

    private void Write(string name, string json)
    {
        // T("id","prompt") is shorthand for a minimal turn.
        var expanded = System.Text.RegularExpressions.Regex.Replace(json, """T\("([a-z_]+)","([^"]*)"\)""",
            m => $$"""{"id":"{{m.Groups[1].Value}}","role":"r","participant":{"capabilities":["chat"]},"prompt":"{{m.Groups[2].Value}}"}""");
        File.WriteAllText(Path.Combine(_dir, name + ".json"), expanded);
    }
}
