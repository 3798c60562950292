using LibGit2Sharp;

namespace Engram.Features.Tests.Support;

/// <summary>A real git repository in a temp folder, deleted on dispose.</summary>
public sealed class TempGitRepo : IDisposable
{
    private static readonly Signature s_author = new("Test", "test@example.com", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public TempGitRepo(bool init = true)
    {
        Root = Path.Combine(Path.GetTempPath(), "engram-feat-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
        if (init)
        {
            Repository.Init(Root);
        }
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public TempGitRepo Write(string relative, string text)
    {
        var full = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return this;
    }

    public void Delete(string relative) => File.Delete(PathOf(relative));

    public void Stage(params string[] relatives)
    {
        using var repo = new Repository(Root);
        Commands.Stage(repo, relatives);
    }

    /// <summary>Stages everything and commits.</summary>
    public string Commit(string message = "commit")
    {
        using var repo = new Repository(Root);
        Commands.Stage(repo, "*");
        return repo.Commit(message, s_author, s_author, new CommitOptions { AllowEmptyCommit = true }).Sha;
    }

    public void Dispose()
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(file, FileAttributes.Normal);
            }

            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
