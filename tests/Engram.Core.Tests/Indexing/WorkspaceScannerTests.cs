using Engram.Core.Indexing;
using Engram.Core.Tests.Support;

namespace Engram.Core.Tests.Indexing;

public sealed class WorkspaceScannerTests
{
    [Fact]
    public void GitRootRespectsIgnoreRulesBinariesSizeAndSymlinks()
    {
        using var repo = new TempGitRepository();
        using var outside = new TempGitRepository(initGit: false);
        repo.Write(".gitignore", "generated/\n*.tmp\n");
        repo.Write("src/App.cs", "class App { }\n");
        repo.Write("src/notes.tmp", "scratch\n");
        repo.Write("generated/Big.cs", "class Generated { }\n");
        repo.Write("docs/big.md", new string('x', 2048));
        File.WriteAllBytes(Path.Combine(repo.Root, "src", "data.dat"), [1, 2, 0, 3]);
        var secret = outside.Write("secret.txt", "outside the workspace\n");
        File.CreateSymbolicLink(Path.Combine(repo.Root, "src", "escape.txt"), secret);
        File.CreateSymbolicLink(Path.Combine(repo.Root, "src", "alias.cs"), Path.Combine(repo.Root, "src", "App.cs"));
        Directory.CreateSymbolicLink(Path.Combine(repo.Root, "linked"), outside.Root);

        using var scanner = new WorkspaceScanner(repo.Root, maxFileBytes: 1024);

        Assert.Equal([".gitignore", "src/App.cs", "src/alias.cs"], scanner.EnumerateFiles());
        Assert.False(scanner.IsIndexable("src/escape.txt"));
        Assert.False(scanner.IsIndexable("linked/secret.txt"));
        Assert.False(scanner.IsIndexable("generated/Big.cs"));
        Assert.False(scanner.IsIndexable("docs/big.md"));
        Assert.False(scanner.IsIndexable("src/data.dat"));
        Assert.False(scanner.IsIndexable("../outside.cs"));
        Assert.False(scanner.IsIndexable(".git/config"));
        Assert.True(scanner.IsIndexable("src/App.cs"));
    }

    [Fact]
    public void FolderOutsideGitSkipsDependencyAndBuildFolders()
    {
        using var folder = new TempGitRepository(initGit: false);
        folder.Write("main.py", "print('hi')\n");
        folder.Write("node_modules/lib/index.js", "module.exports = 1;\n");
        folder.Write("bin/Debug/app.txt", "built\n");
        folder.Write("pkg/util.go", "package pkg\n");

        using var scanner = new WorkspaceScanner(folder.Root, maxFileBytes: 1024 * 1024);

        Assert.Null(scanner.Repository);
        Assert.Equal(["main.py", "pkg/util.go"], scanner.EnumerateFiles());
    }

    [Fact]
    public void SubfolderOfARepositoryUsesTheRepositoryIgnoreRules()
    {
        using var repo = new TempGitRepository();
        repo.Write(".gitignore", "*.log\n");
        repo.Write("service/api/handler.go", "package api\n");
        repo.Write("service/api/debug.log", "log\n");
        repo.Write("other/readme.md", "# Other\n");

        using var scanner = new WorkspaceScanner(Path.Combine(repo.Root, "service"), maxFileBytes: 1024 * 1024);

        Assert.Equal("service/", scanner.RepositoryPrefix);
        Assert.Equal(["api/handler.go"], scanner.EnumerateFiles());
    }

    [Fact]
    public void MissingRootIsReported()
    {
        Assert.Throws<DirectoryNotFoundException>(() => new WorkspaceScanner("/nonexistent/engram/root", 1024));
    }
}
