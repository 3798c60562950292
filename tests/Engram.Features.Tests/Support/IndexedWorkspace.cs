using Engram.Features.Hosting;
using Microsoft.Extensions.AI;

namespace Engram.Features.Tests.Support;

/// <summary>A temp git repository with files, indexed by a real <see cref="EngramWorkspace"/> into a temp folder.</summary>
public sealed class IndexedWorkspace : IAsyncDisposable
{
    private IndexedWorkspace(TempGitRepo repo, EngramWorkspace workspace, string indexDirectory)
    {
        Repo = repo;
        Workspace = workspace;
        IndexDirectory = indexDirectory;
    }

    public TempGitRepo Repo { get; }

    public EngramWorkspace Workspace { get; }

    public string IndexDirectory { get; }

    /// <summary>Writes the files, commits them and indexes (lexical-only unless an embedder is given).</summary>
    public static async Task<IndexedWorkspace> CreateAsync(IReadOnlyDictionary<string, string> files, IEmbeddingGenerator<string, Embedding<float>>? embedder = null)
    {
        var repo = new TempGitRepo();
        foreach (var (path, text) in files)
        {
            repo.Write(path, text);
        }

        repo.Commit();
        var indexDirectory = Path.Combine(Path.GetTempPath(), "engram-feat-index-" + Guid.NewGuid().ToString("N")[..10]);
        var workspace = new EngramWorkspace(new EngramWorkspaceOptions([repo.Root], IndexDirectory: indexDirectory, LexicalOnly: embedder is null), embedder: embedder);
        await workspace.UpdateIndexAsync();
        return new IndexedWorkspace(repo, workspace, indexDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await Workspace.DisposeAsync();
        Repo.Dispose();
        try
        {
            Directory.Delete(IndexDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
