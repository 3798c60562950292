using Engram.Files;

namespace Engram.Mcp.Tests;

public sealed class PathGuardTests : IDisposable
{
    private readonly string _base = Path.Combine(Path.GetTempPath(), "engram-guard", Guid.NewGuid().ToString("N"));
    private readonly string _root;
    private readonly string _outside;
    private readonly PathGuard _guard;

    public PathGuardTests()
    {
        _root = Path.Combine(_base, "root");
        _outside = Path.Combine(_base, "outside");
        Directory.CreateDirectory(Path.Combine(_root, "src"));
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_root, "src", "a.cs"), "class A {}\n");
        File.WriteAllText(Path.Combine(_root, ".git", "config"), "[core]\n");
        File.WriteAllText(Path.Combine(_root, ".gitignore"), "bin/\n");
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "secret\n");
        File.CreateSymbolicLink(Path.Combine(_root, "escape.txt"), Path.Combine(_outside, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "linkdir"), _outside);
        File.CreateSymbolicLink(Path.Combine(_root, "inside.cs"), Path.Combine(_root, "src", "a.cs"));
        File.CreateSymbolicLink(Path.Combine(_root, "gitlink"), Path.Combine(_root, ".git", "config"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "src", "up"), _base);
        _guard = new PathGuard(() => [_root]);
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "../outside/secret.txt", "'..' segments" },
        { "src/../../outside/secret.txt", "'..' segments" },
        { "src/..", "'..' segments" },
        { "..\\outside\\secret.txt", "'..' segments" },
        { "/etc/passwd", "outside the workspace roots" },
        { "{outside}/secret.txt", "outside the workspace roots" },
        { "escape.txt", "symbolic link" },
        { "linkdir/secret.txt", "symbolic link" },
        { "src/up/outside/secret.txt", "symbolic link" },
        { ".git/config", ".git internals" },
        { ".GIT/config", ".git internals" },
        { "src/.git/HEAD", ".git internals" },
        { "{root}/.git/config", ".git internals" },
        { "gitlink", ".git internals" },
        { "", "empty" },
        { "   ", "empty" },
        { "src/a\0.cs", "control characters" },
        { "missing.cs", "does not exist" },
        { "file:///etc/passwd", "outside the workspace roots" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses_paths_that_escape_or_reach_git_internals(string path, string reason)
    {
        var ex = Assert.Throws<PathGuardException>(() => _guard.Resolve(Expand(path)));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Allowed => new()
    {
        { "src/a.cs", "src/a.cs" },
        { "./src/a.cs", "src/a.cs" },
        { "src\\a.cs", "src/a.cs" },
        { "{root}/src/a.cs", "src/a.cs" },
        { "file://{root}/src/a.cs", "src/a.cs" },
        { "inside.cs", "inside.cs" },
        { ".gitignore", ".gitignore" },
        { "src", "src" },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Resolves_paths_inside_the_root(string path, string relative)
    {
        var resolved = _guard.Resolve(Expand(path));
        Assert.Equal(_root, resolved.Root);
        Assert.Equal(relative, resolved.RelativePath);
        Assert.True(File.Exists(resolved.FullPath) || Directory.Exists(resolved.FullPath));
    }

    [Fact]
    public void Resolve_file_refuses_a_folder()
    {
        var ex = Assert.Throws<PathGuardException>(() => _guard.ResolveFile("src"));
        Assert.Contains("is a folder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_path_resolves_in_the_root_that_has_it()
    {
        var second = Path.Combine(_base, "second");
        Directory.CreateDirectory(second);
        File.WriteAllText(Path.Combine(second, "only-here.md"), "# x\n");
        var guard = new PathGuard(() => [_root, second]);
        Assert.Equal(second, guard.Resolve("only-here.md").Root);
        Assert.Equal(_root, guard.Resolve("src/a.cs").Root);
        // The second root does not open the folder above it.
        Assert.Throws<PathGuardException>(() => guard.Resolve(Path.Combine(_outside, "secret.txt")));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_base, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Expand(string path) => path.Replace("{root}", _root, StringComparison.Ordinal).Replace("{outside}", _outside, StringComparison.Ordinal);
}
