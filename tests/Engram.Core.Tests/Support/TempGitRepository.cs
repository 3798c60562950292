using LibGit2Sharp;

namespace Engram.Core.Tests.Support;

/// <summary>A real git repository in a temporary folder, deleted on dispose.</summary>
internal sealed class TempGitRepository : IDisposable
{
    private static readonly Signature s_author = new("Engram Tests", "tests@example.invalid", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public TempGitRepository(bool initGit = true)
    {
        Root = Path.Combine(Path.GetTempPath(), "engram-tests", Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(Root);
        IndexDirectory = Root + ".index";
        if (initGit)
        {
            Repository.Init(Root);
            Repository = new Repository(Root);
        }
    }

    public string Root { get; }

    public string IndexDirectory { get; }

    public string DatabasePath => Path.Combine(IndexDirectory, "engram.db");

    public Repository? Repository { get; }

    public string Write(string relativePath, string content)
    {
        var full = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Delete(string relativePath) => File.Delete(Path.Combine(Root, relativePath));

    public string Commit(string message)
    {
        Commands.Stage(Repository!, "*");
        return Repository!.Commit(message, s_author, s_author, new CommitOptions { AllowEmptyCommit = true }).Sha;
    }

    public void Move(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Root, to))!);
        Commands.Move(Repository!, from, to);
    }

    public void CreateBranch(string name) => Repository!.CreateBranch(name);

    public void Checkout(string name) => Commands.Checkout(Repository!, name, new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });

    public void Dispose()
    {
        Repository?.Dispose();
        TryDelete(Root);
        TryDelete(IndexDirectory);
    }

    private static void TryDelete(string path)
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
            // Best effort: temp folders are cleaned by the OS.
        }
    }
}
