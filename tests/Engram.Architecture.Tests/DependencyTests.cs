namespace Engram.Architecture.Tests;

public sealed class DependencyTests
{
    [Fact]
    public void ProjectReferencesPointOneWay()
    {
        var projects = Directory.GetFiles(Path.Combine(RepositoryRoot(), "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(DependencyRules.Read)
            .ToList();
        Assert.NotEmpty(projects);
        Assert.Empty(DependencyRules.Violations(projects));
    }

    [Fact]
    public void EveryProjectIsInTheSolution()
    {
        var root = RepositoryRoot();
        var solution = File.ReadAllText(Path.Combine(root, "LanguageServer.sln"));
        var projects = new[] { "src", "tests", "bench" }
            .Where(folder => Directory.Exists(Path.Combine(root, folder)))
            .SelectMany(folder => Directory.GetDirectories(Path.Combine(root, folder)))
            .SelectMany(folder => Directory.GetFiles(folder, "*.csproj"))
            .ToList();
        Assert.NotEmpty(projects);
        foreach (var project in projects)
        {
            Assert.Contains(Path.GetFileName(project), solution, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Engram.Core", "Engram.Models", "Engram.Core must not reference Engram.Models.")]
    [InlineData("Engram.Features", "Engram.LanguageServer", "Engram.Features must not reference Engram.LanguageServer.")]
    [InlineData("Engram.Mcp", "Engram.LanguageServer", "Engram.Mcp must not reference Engram.LanguageServer.")]
    [InlineData("Engram.LanguageServer", "Engram.Mcp", "Engram.LanguageServer must not reference Engram.Mcp.")]
    [InlineData("Engram.Models", "Engram.Cli", "Engram.Models must not reference Engram.Cli.")]
    [InlineData("Engram.Files", "Engram.Core", "Engram.Files must not reference Engram.Core.")]
    [InlineData("Engram.Files", "Engram.Models", "Engram.Files must not reference Engram.Models.")]
    public void WrongArrowsAreReported(string from, string to, string expected)
    {
        var violations = DependencyRules.Violations([new DependencyRules.ProjectInfo(from, [to], [])]);
        Assert.Equal([expected], violations);
    }

    [Theory]
    [InlineData("Engram.Features", "ModelContextProtocol", "Engram.Features must not reference package ModelContextProtocol: only Engram.Mcp may.")]
    [InlineData("Engram.Core", "StreamJsonRpc", "Engram.Core must not reference package StreamJsonRpc: only Engram.LanguageServer may.")]
    [InlineData("Engram.Mcp", "StreamJsonRpc", "Engram.Mcp must not reference package StreamJsonRpc: only Engram.LanguageServer may.")]
    public void ProtocolPackagesStayInTheirHost(string project, string package, string expected)
    {
        var violations = DependencyRules.Violations([new DependencyRules.ProjectInfo(project, [], [package])]);
        Assert.Equal([expected], violations);
    }

    [Fact]
    public void UnknownProjectsAreReported()
    {
        var violations = DependencyRules.Violations([new DependencyRules.ProjectInfo("Engram.Misc", [], [])]);
        Assert.Single(violations);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LanguageServer.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("LanguageServer.sln not found above the test folder.");
    }
}
