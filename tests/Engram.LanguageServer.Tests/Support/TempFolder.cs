using LibGit2Sharp;

namespace Engram.LanguageServer.Tests.Support;

/// <summary>A temporary folder (optionally a git repository with one commit) deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder(IReadOnlyDictionary<string, string>? files = null, bool git = false)
    {
        Root = Path.Combine(Path.GetTempPath(), "engram-lsp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        IndexDirectory = Path.Combine(Path.GetTempPath(), "engram-lsp-tests", Guid.NewGuid().ToString("N") + "-index");
        foreach (var (path, text) in files ?? new Dictionary<string, string>())
        {
            Write(path, text);
        }

        if (git)
        {
            Repository.Init(Root);
            using var repository = new Repository(Root);
            Commands.Stage(repository, "*");
            var signature = new Signature("Test", "test@example.com", DateTimeOffset.UtcNow);
            repository.Commit("initial", signature, signature);
        }
    }

    public string Root { get; }

    public string IndexDirectory { get; }

    public string Uri => new Uri(Root).AbsoluteUri;

    public string FileUri(string relative) => new Uri(Path.Combine(Root, relative)).AbsoluteUri;

    public void Write(string relative, string text)
    {
        var full = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    public void Dispose()
    {
        foreach (var folder in new[] { Root, IndexDirectory })
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
                    {
                        File.SetAttributes(file, FileAttributes.Normal);
                    }

                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
