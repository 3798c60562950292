using Engram.Core.Indexing;
using Engram.Core.Search;
using Engram.Core.Storage;
using Engram.Core.Tests.Support;
using Engram.Tests.Support;

namespace Engram.Core.Tests.Indexing;

/// <summary>
/// Named pipes, sockets and devices in a workspace (issue 11, item 5): the scanner skips them, the indexer never
/// blocks on them, and the searcher's stale check never reads them.
/// </summary>
public sealed class SpecialFileIndexTests
{
    private static readonly TimeSpan s_quickly = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pipes_sockets_and_devices_are_skipped_and_indexing_never_blocks(bool git)
    {
        using var repo = new TempGitRepository(initGit: git);
        repo.Write("d/a.cs", "class A { void Run() { } }\n");
        if (git)
        {
            repo.Commit("a");
        }

        SpecialFiles.MakeFifo(Path.Combine(repo.Root, "d", "f.cs"));
        File.CreateSymbolicLink(Path.Combine(repo.Root, "d", "pipe-link.cs"), Path.Combine(repo.Root, "d", "f.cs"));
        File.CreateSymbolicLink(Path.Combine(repo.Root, "d", "zero.cs"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(repo.Root, "d", "null.cs"), "/dev/null");
        using var socket = SpecialFiles.BindSocket(Path.Combine(repo.Root, "d", "s.cs"));

        using (var scanner = new WorkspaceScanner(repo.Root, 1024 * 1024))
        {
            Assert.Equal(["d/a.cs"], scanner.EnumerateFiles());
            foreach (var special in new[] { "d/f.cs", "d/pipe-link.cs", "d/zero.cs", "d/null.cs", "d/s.cs" })
            {
                Assert.False(scanner.IsIndexable(special), special);
            }
        }

        var report = await new EngramIndexer(SharedModels.Encoder, null).IndexAsync(repo.Root, repo.DatabasePath).WaitAsync(s_quickly);

        Assert.Equal(1, report.Files);
    }

    [Fact]
    public async Task The_stale_check_reads_only_a_regular_file_of_the_indexed_size()
    {
        using var repo = new TempGitRepository(initGit: false);
        var path = repo.Write("a.cs", "class A { }\n");
        await new EngramIndexer(SharedModels.Encoder, null).IndexAsync(repo.Root, repo.DatabasePath);
        using var searcher = EngramSearcher.Open(repo.Root, repo.DatabasePath, SharedModels.Encoder, null);
        StoredFile stored;
        using (var store = EngramStore.Open(repo.DatabasePath, SharedModels.Encoder.Dimension, create: false))
        {
            stored = store.LoadFiles()["a.cs"];
        }

        Assert.False(searcher.IsStale(stored));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(5));
        Assert.False(searcher.IsStale(stored)); // same bytes, newer time
        File.WriteAllText(path, "class B { }\n");
        Assert.True(searcher.IsStale(stored)); // same size, other bytes

        File.Delete(path);
        SpecialFiles.MakeFifo(path);
        Assert.True(await Task.Run(() => searcher.IsStale(stored)).WaitAsync(s_quickly));
        File.Delete(path);
        File.CreateSymbolicLink(path, "/dev/zero");
        Assert.True(await Task.Run(() => searcher.IsStale(stored)).WaitAsync(s_quickly));
    }
}
