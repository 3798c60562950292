using Engram.Features.Explain;
using Engram.Features.Tests.Related;
using Engram.Features.Tests.Support;

namespace Engram.Features.Tests.Explain;

public sealed class ExplainServiceTests
{
    [Fact]
    public async Task Prompt_holds_the_selection_and_related_chunks_and_markdown_lists_them()
    {
        await using var indexed = await IndexedWorkspace.CreateAsync(RelatedTests.Files);
        var path = indexed.Repo.PathOf("src/Config/ConfigLoader.cs");
        var text = File.ReadAllText(path);
        var client = new FakeChatClient("It loads **settings** from a JSON file.") { ModelId = "explainer" };

        var result = await new ExplainService(indexed.Workspace).ExplainAsync(path, text, 5, 9, client);

        Assert.Equal("explainer", result.Model);
        Assert.InRange(result.Related.Count, 1, 4);
        Assert.Equal("src/Config/SettingsReader.cs", result.Related[0].Path);
        var prompt = client.LastPrompt;
        Assert.Contains("src/Config/ConfigLoader.cs (lines 5-9)", prompt);
        Assert.Contains("public static Settings LoadSettingsFromJson(string path)", prompt);
        Assert.Contains("public Settings ReadSettingsJson(string file)", prompt); // the related chunk's code
        Assert.StartsWith("It loads **settings** from a JSON file.\n\n### Related code\n\n- [src/Config/SettingsReader.cs:", result.Markdown);
        foreach (var hit in result.Related)
        {
            Assert.Contains($"{hit.Path}:{hit.StartLine}-{hit.EndLine}", result.Markdown);
        }
    }

    [Fact]
    public async Task Unindexed_file_falls_back_to_search_with_the_selection()
    {
        await using var indexed = await IndexedWorkspace.CreateAsync(RelatedTests.Files);
        var path = indexed.Repo.PathOf("src/Scratch.cs"); // not saved, not indexed
        const string text = "double Ring(double r) => Math.PI * r * r - Circumference();\n";
        var client = new FakeChatClient("Area of a ring.");

        var result = await new ExplainService(indexed.Workspace).ExplainAsync(path, text, 1, 1, client);

        Assert.Contains(result.Related, h => h.Path == "src/Geometry/Circle.cs");
        Assert.Contains("src/Geometry/Circle.cs:", result.Markdown);
    }

    [Fact]
    public async Task Without_a_workspace_there_is_no_related_section()
    {
        var client = new FakeChatClient("  Adds one.  ");
        var result = await new ExplainService(null).ExplainAsync("/tmp/x.cs", "int f(int x)\n  => x + 1;\n", 1, 2, client);

        Assert.Equal("Adds one.\n", result.Markdown);
        Assert.Empty(result.Related);
        Assert.Contains("x.cs (lines 1-2)", client.LastPrompt);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new ExplainService(null).ExplainAsync("/tmp/x.cs", "a\n", 5, 6, client));
    }
}
