using Engram.Mcp.Tools;

namespace Engram.Mcp.Tests;

public sealed class GlobTests
{
    [Theory]
    [InlineData("src/**/*.cs", "src/a.cs", true)]
    [InlineData("src/**/*.cs", "src/x/y/a.cs", true)]
    [InlineData("src/**/*.cs", "tests/a.cs", false)]
    [InlineData("src/*.cs", "src/x/a.cs", false)]
    [InlineData("*.md", "docs/deep/readme.md", true)]
    [InlineData("*.md", "readme.md", true)]
    [InlineData("*.md", "readme.mdx", false)]
    [InlineData("web/cart.?s", "web/cart.ts", true)]
    [InlineData("**/*.{ts,js}", "a/b.js", true)]
    [InlineData("**/*.{ts,js}", "a/b.cs", false)]
    [InlineData("docs/a+b(1).md", "docs/a+b(1).md", true)]
    public void Globs_match_whole_forward_slash_paths(string glob, string path, bool expected) =>
        Assert.Equal(expected, Glob.ToRegex(glob).IsMatch(path));

    [Theory]
    [InlineData("src/**/*.cs", "src/")]
    [InlineData("src/Billing/*.cs", "src/Billing/")]
    [InlineData("*.md", null)]
    [InlineData("**/x.cs", null)]
    [InlineData("docs/readme.md", "docs/")]
    public void The_literal_folder_prefix_narrows_the_search(string glob, string? prefix) =>
        Assert.Equal(prefix, Glob.LiteralPrefix(glob));
}
