using Engram.Features.Tests.Support;

namespace Engram.Features.Tests.Related;

public sealed class RelatedTests
{
    internal static readonly Dictionary<string, string> Files = new()
    {
        ["src/Config/ConfigLoader.cs"] = """
            namespace App.Config;

            public static class ConfigLoader
            {
                public static Settings LoadSettingsFromJson(string path)
                {
                    var json = File.ReadAllText(path);
                    return JsonSerializer.Deserialize<Settings>(json) ?? new Settings();
                }

                public static int Retries(Settings settings) => settings.RetryCount;
            }
            """,
        ["src/Config/SettingsReader.cs"] = """
            namespace App.Config;

            public sealed class SettingsReader
            {
                public Settings ReadSettingsJson(string file)
                {
                    var json = File.ReadAllText(file);
                    return JsonSerializer.Deserialize<Settings>(json)!;
                }
            }
            """,
        ["src/Geometry/Circle.cs"] = """
            namespace App.Geometry;

            public sealed record Circle(double Radius)
            {
                public double Area() => Math.PI * Radius * Radius;

                public double Circumference() => 2 * Math.PI * Radius;
            }
            """,
        ["docs/notes.md"] = """
            # Notes

            The circle area uses pi times the radius squared.
            """,
    };

    [Fact]
    public async Task Neighbours_of_a_chunk_rank_the_similar_code_first_and_exclude_the_chunk()
    {
        await using var indexed = await IndexedWorkspace.CreateAsync(Files);
        var path = indexed.Repo.PathOf("src/Config/ConfigLoader.cs");

        var related = await indexed.Workspace.RelatedAsync(path, 7, top: 5);

        Assert.NotEmpty(related);
        Assert.Equal("src/Config/SettingsReader.cs", related[0].Path);
        Assert.DoesNotContain(related, h => h.Path == "src/Config/ConfigLoader.cs" && h.StartLine <= 7 && h.EndLine >= 7);
        Assert.All(related, h => Assert.InRange(h.Score, 0, 1));
        Assert.True(related.Zip(related.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        Assert.True(related.Count <= 5);
        Assert.All(related, h => Assert.Equal(indexed.Repo.Root, h.Root));
    }

    [Fact]
    public async Task Unknown_or_unindexed_files_have_no_neighbours()
    {
        await using var indexed = await IndexedWorkspace.CreateAsync(Files);
        Assert.Empty(await indexed.Workspace.RelatedAsync(indexed.Repo.PathOf("src/Missing.cs"), 1));
        Assert.Empty(await indexed.Workspace.RelatedAsync(Path.Combine(Path.GetTempPath(), "elsewhere.cs"), 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => indexed.Workspace.RelatedAsync(indexed.Repo.PathOf("docs/notes.md"), 1, top: 0));
    }

    [Fact]
    public async Task Uses_stored_embeddings_for_the_dense_part()
    {
        var embedder = new HashingEmbedder();
        await using var indexed = await IndexedWorkspace.CreateAsync(Files, embedder);
        var callsAfterIndexing = embedder.Calls;

        var related = await indexed.Workspace.RelatedAsync(indexed.Repo.PathOf("src/Geometry/Circle.cs"), 5, top: 10);

        Assert.Equal(callsAfterIndexing, embedder.Calls); // the stored embedding is the query: nothing is embedded
        Assert.NotEmpty(related);
        Assert.Contains(related, h => h.Dense > 0.2);
        var notes = related.FirstOrDefault(h => h.Path == "docs/notes.md");
        var config = related.FirstOrDefault(h => h.Path == "src/Config/SettingsReader.cs");
        Assert.NotNull(notes);
        Assert.True(config is null || notes.Score > config.Score);
    }
}
