using LibGit2Sharp;

namespace Engram.Cli.Tests;

/// <summary>A temporary git repository with a few source files, and an index folder beside it.</summary>
public sealed class TempWorkspace : IDisposable
{
    private static readonly Signature s_author = new("Engram Tests", "tests@example.invalid", DateTimeOffset.UnixEpoch);

    public TempWorkspace(bool git = true)
    {
        Root = Path.Combine(Path.GetTempPath(), "engram-cli-tests", Guid.NewGuid().ToString("n")[..12]);
        IndexDirectory = Root + ".index";
        Directory.CreateDirectory(Root);
        if (git)
        {
            Repository.Init(Root);
        }
    }

    public string Root { get; }

    public string IndexDirectory { get; }

    public void Write(string relativePath, string content)
    {
        var full = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    public string Commit()
    {
        using var repository = new Repository(Root);
        LibGit2Sharp.Commands.Stage(repository, "*");
        return repository.Commit("commit", s_author, s_author).Sha;
    }

    public void Dispose()
    {
        foreach (var path in new[] { Root, IndexDirectory })
        {
            try
            {
                if (Directory.Exists(path))
                {
                    foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
                    {
                        File.SetAttributes(file, FileAttributes.Normal);
                    }

                    Directory.Delete(path, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }
}
