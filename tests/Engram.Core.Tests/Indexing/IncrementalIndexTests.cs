using Engram.Core.Indexing;
using Engram.Core.Search;
using Engram.Core.Storage;
using Engram.Core.Tests.Support;

namespace Engram.Core.Tests.Indexing;

/// <summary>
/// Integration tests on real git repositories in temp folders: each update must re-embed exactly the chunks whose
/// content changed, and leave bundles equal to those of a clean build of the same tree.
/// </summary>
public sealed class IncrementalIndexTests
{
    private const string Calculator = """
        namespace Demo;

        /// <summary>Adds and multiplies numbers.</summary>
        public sealed class Calculator
        {
            /// <summary>Adds two integers.</summary>
            public int Add(int a, int b)
            {
                return a + b;
            }

            /// <summary>Multiplies two integers.</summary>
            public int Multiply(int a, int b)
            {
                return a * b;
            }
        }
        """;

    private const string Readme = """
        # Demo

        A tiny calculator used by the tests.

        ## Usage

        Call Add or Multiply.
        """;

    private const string Script = """
        def open_socket(host, port):
            sock = socket.create_connection((host, port), timeout=5)
            return sock
        """;

    [Fact]
    public async Task FirstBuildIndexesEveryFileAndEmbedsEachChunkOnce()
    {
        using var repo = NewRepository();
        var (report, embedded) = await IndexAsync(repo);

        Assert.Equal("full", report.Mode);
        Assert.Equal(3, report.Files);
        Assert.Equal(report.Chunks, report.ChunksEncoded);
        Assert.Equal(report.Chunks, embedded.Count);
        Assert.Equal(repo.Repository!.Head.Tip.Sha, report.IndexedCommit);
    }

    [Fact]
    public async Task NoChangeMeansNoWork()
    {
        using var repo = NewRepository();
        await IndexAsync(repo);
        var (report, embedded) = await IndexAsync(repo);

        Assert.Equal("git", report.Mode);
        Assert.Equal(0, report.FilesExamined);
        Assert.Equal(0, report.FilesUpdated);
        Assert.Empty(embedded);
    }

    [Fact]
    public async Task EditingOneMethodReembedsOnlyThatMethod()
    {
        using var repo = NewRepository();
        await IndexAsync(repo);
        repo.Write("src/Calculator.cs", Calculator.Replace("return a * b;", "return checked(a * b);", StringComparison.Ordinal));

        var (report, embedded) = await IndexAsync(repo);

        Assert.Equal(1, report.FilesUpdated);
        var text = Assert.Single(embedded);
        Assert.Contains("Multiply", text, StringComparison.Ordinal);
        Assert.Contains("checked(a * b)", text, StringComparison.Ordinal);
        await AssertBundlesEqualCleanBuildAsync(repo);
    }

    [Fact]
    public async Task CommittingAnIndexedEditDoesNoWork()
    {
        using var repo = NewRepository();
        repo.Write("src/Calculator.cs", Calculator.Replace("a + b", "b + a", StringComparison.Ordinal));
        await IndexAsync(repo);
        repo.Commit("swap operands");

        var (report, embedded) = await IndexAsync(repo);

        Assert.Equal(1, report.FilesExamined);
        Assert.Equal(0, report.FilesUpdated);
        Assert.Empty(embedded);
        Assert.Equal(repo.Repository!.Head.Tip.Sha, report.IndexedCommit);
    }

    [Fact]
    public async Task BranchSwitchReembedsOnlyTheDifference()
    {
        using var repo = NewRepository();
        var main = repo.Repository!.Head.FriendlyName;
        repo.CreateBranch("feature");
        repo.Checkout("feature");
        repo.Write("src/Calculator.cs", Calculator.Replace("return a + b;", "return Math.Abs(a) + b;", StringComparison.Ordinal));
        repo.Write("docs/notes.md", "# Notes\n\nSubtraction is planned.\n");
        repo.Commit("feature work");
        repo.Checkout(main);
        await IndexAsync(repo);

        repo.Checkout("feature");
        var (toFeature, embeddedToFeature) = await IndexAsync(repo);
        Assert.Equal(2, toFeature.FilesUpdated);
        Assert.Equal(2, embeddedToFeature.Count);
        Assert.Contains(embeddedToFeature, t => t.Contains("Math.Abs(a)", StringComparison.Ordinal));
        Assert.Contains(embeddedToFeature, t => t.Contains("Subtraction is planned", StringComparison.Ordinal));

        repo.Checkout(main);
        var (back, embeddedBack) = await IndexAsync(repo);
        Assert.Equal(1, back.FilesUpdated);
        Assert.Equal(1, back.FilesDeleted);
        Assert.Empty(embeddedBack);
        await AssertBundlesEqualCleanBuildAsync(repo);
    }

    [Fact]
    public async Task MoveToAnotherFolderReembedsNothingAndMovesTheHits()
    {
        using var repo = NewRepository();
        await IndexAsync(repo);
        repo.Move("src/Calculator.cs", "lib/Math/Calculator.cs");
        repo.Commit("move");

        var (report, embedded) = await IndexAsync(repo);

        Assert.Equal(1, report.FilesUpdated);
        Assert.Equal(1, report.FilesDeleted);
        Assert.Empty(embedded);
        var hits = await SearchAsync(repo, "multiply two integers");
        Assert.Equal("lib/Math/Calculator.cs", hits[0].Path);
        Assert.DoesNotContain(hits, h => h.Path == "src/Calculator.cs");
        await AssertBundlesEqualCleanBuildAsync(repo);
    }

    [Fact]
    public async Task DeletedUntrackedAndIgnoredFiles()
    {
        using var repo = NewRepository();
        repo.Write(".gitignore", "secret/\n*.log\n");
        repo.Commit("ignore");
        await IndexAsync(repo);

        repo.Delete("scripts/net.py");
        repo.Write("src/Untracked.cs", "namespace Demo;\npublic static class Untracked { public static int Answer() => 42; }\n");
        repo.Write("secret/keys.cs", "public static class Keys { public const string Token = \"abc\"; }\n");
        repo.Write("debug.log", "log line\n");
        var (report, _) = await IndexAsync(repo);

        Assert.Equal(1, report.FilesDeleted);
        using var store = EngramStore.Open(repo.DatabasePath, SharedModels.Encoder.Dimension, create: false);
        var files = store.LoadFiles().Keys.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal([".gitignore", "README.md", "src/Calculator.cs", "src/Untracked.cs"], files);
        store.Dispose();
        await AssertBundlesEqualCleanBuildAsync(repo);
    }

    [Fact]
    public async Task NewIgnoreRuleRemovesAlreadyIndexedFiles()
    {
        using var repo = NewRepository();
        await IndexAsync(repo);
        repo.Write(".gitignore", "scripts/\n");

        var (report, embedded) = await IndexAsync(repo);

        Assert.Equal("full", report.Mode);
        Assert.Equal(1, report.FilesDeleted);
        Assert.Single(embedded);
        using (var store = EngramStore.Open(repo.DatabasePath, SharedModels.Encoder.Dimension, create: false))
        {
            Assert.Equal([".gitignore", "README.md", "src/Calculator.cs"], store.LoadFiles().Keys.Order(StringComparer.Ordinal).ToArray());
        }

        await AssertBundlesEqualCleanBuildAsync(repo);
    }

    [Fact]
    public async Task FolderOutsideGitIsIndexedByFileHashes()
    {
        using var repo = new TempGitRepository(initGit: false);
        repo.Write("a.md", Readme);
        repo.Write("b/c.py", Script);
        repo.Write("node_modules/x/index.js", "module.exports = 1;\n");
        var (first, _) = await IndexAsync(repo);
        Assert.Equal("full", first.Mode);
        Assert.Equal(2, first.Files);
        Assert.Null(first.IndexedCommit);

        repo.Write("b/c.py", Script.Replace("timeout=5", "timeout=9", StringComparison.Ordinal));
        var (second, embedded) = await IndexAsync(repo);
        Assert.Equal(1, second.FilesUpdated);
        Assert.Single(embedded);
        await AssertBundlesEqualCleanBuildAsync(repo);
    }

    [Fact]
    public async Task RewrittenHistoryFallsBackToComparingHashes()
    {
        using var repo = NewRepository();
        await IndexAsync(repo);
        using (var store = EngramStore.Open(repo.DatabasePath, SharedModels.Encoder.Dimension, create: false))
        {
            // As after a force-push and garbage collection: the indexed commit no longer exists.
            store.SetMeta("indexed_commit", "0123456789abcdef0123456789abcdef01234567");
        }

        repo.Write("scripts/net.py", Script.Replace("timeout=5", "timeout=7", StringComparison.Ordinal));
        var (report, embedded) = await IndexAsync(repo);

        Assert.Equal("full", report.Mode);
        Assert.Equal(1, report.FilesUpdated);
        Assert.Single(embedded);
        Assert.Equal(repo.Repository!.Head.Tip.Sha, report.IndexedCommit);
        await AssertBundlesEqualCleanBuildAsync(repo);
    }

    [Fact]
    public async Task HitsReportCommitAndStaleness()
    {
        using var repo = NewRepository();
        await IndexAsync(repo);
        var head = repo.Repository!.Head.Tip.Sha;

        var hits = await SearchAsync(repo, "multiply two integers");
        Assert.Equal("src/Calculator.cs", hits[0].Path);
        Assert.Equal("Multiply", hits[0].Symbol);
        Assert.Equal(head, hits[0].IndexedCommit);
        Assert.False(hits[0].Stale);
        Assert.InRange(hits[0].Score, 0, 1);
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));

        repo.Write("src/Calculator.cs", Calculator + "\n// edited\n");
        hits = await SearchAsync(repo, "multiply two integers");
        Assert.True(hits[0].Stale);
    }

    private static TempGitRepository NewRepository()
    {
        var repo = new TempGitRepository();
        repo.Write("src/Calculator.cs", Calculator);
        repo.Write("README.md", Readme);
        repo.Write("scripts/net.py", Script);
        repo.Commit("initial");
        return repo;
    }

    private static async Task<(IndexReport Report, IReadOnlyList<string> Embedded)> IndexAsync(TempGitRepository repo, string? databasePath = null)
    {
        var recorder = new RecordingEmbeddingGenerator(SharedModels.Embedder);
        var indexer = new EngramIndexer(SharedModels.Encoder, recorder);
        var report = await indexer.IndexAsync(repo.Root, databasePath ?? repo.DatabasePath);
        return (report, recorder.Texts);
    }

    private static async Task<IReadOnlyList<SearchHit>> SearchAsync(TempGitRepository repo, string query)
    {
        using var searcher = EngramSearcher.Open(repo.Root, repo.DatabasePath, SharedModels.Encoder, SharedModels.Embedder);
        return await searcher.SearchAsync(query);
    }

    // The incrementally maintained bundles must equal, counter for counter, those of a clean build of the same tree.
    private static async Task AssertBundlesEqualCleanBuildAsync(TempGitRepository repo)
    {
        var cleanPath = Path.Combine(repo.IndexDirectory, "clean", "engram.db");
        await IndexAsync(repo, cleanPath);
        using var incremental = EngramStore.Open(repo.DatabasePath, SharedModels.Encoder.Dimension, create: false);
        using var clean = EngramStore.Open(cleanPath, SharedModels.Encoder.Dimension, create: false);
        Assert.True(incremental.GetRootBundle().ContentEquals(clean.GetRootBundle()), "root bundles differ");
        var folders = incremental.LoadFolderBundles();
        var cleanFolders = clean.LoadFolderBundles();
        Assert.Equal(cleanFolders.Keys.Order(StringComparer.Ordinal), folders.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, bundle) in cleanFolders)
        {
            Assert.True(folders[path].ContentEquals(bundle), $"folder bundle {path} differs");
        }

        var root = new Engram.Core.Hypervectors.BundleAccumulator(SharedModels.Encoder.Dimension);
        foreach (var bundle in folders.Values)
        {
            root.Add(bundle);
        }

        Assert.True(root.ContentEquals(incremental.GetRootBundle()), "root is not the sum of its folders");
        Assert.Equal(clean.GetStatistics().Chunks, incremental.GetStatistics().Chunks);
    }
}
