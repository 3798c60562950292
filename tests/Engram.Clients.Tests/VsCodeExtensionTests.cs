using System.IO.Compression;
using System.Text.Json;
using Engram.Clients.Tests.Support;
using Xunit.Abstractions;

namespace Engram.Clients.Tests;

/// <summary>The VS Code extension: its node unit tests (vscode stubbed) and its .vsix package.</summary>
public sealed class VsCodeExtensionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Node_unit_tests_pass()
    {
        foreach (var line in await NodeProjects.EnsureExtensionBuiltAsync())
        {
            output.WriteLine(line);
        }

        var result = await ChildProcess.RunAsync("npm", ["test"], RepoPaths.ExtensionDir, TimeSpan.FromMinutes(3));
        output.WriteLine($"npm test: {result.Elapsed.TotalSeconds:0.0} s");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"# pass (2\d|[3-9]\d)", result.Output);
        Assert.Contains("# fail 0", result.Output);
    }

    [Fact]
    public async Task Vsix_holds_the_bundled_extension_and_its_manifest()
    {
        foreach (var line in await NodeProjects.EnsureExtensionBuiltAsync())
        {
            output.WriteLine(line);
        }

        var vsix = Path.Combine(RepoPaths.ExtensionDir, "engram.vsix");
        File.Delete(vsix);
        var result = await ChildProcess.RunAsync("npm", ["run", "package"], RepoPaths.ExtensionDir, TimeSpan.FromMinutes(3));
        output.WriteLine($"npm run package: {result.Elapsed.TotalSeconds:0.0} s");
        Assert.True(result.ExitCode == 0, result.ToString());

        using var zip = ZipFile.OpenRead(vsix);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("extension.vsixmanifest", names);
        Assert.Contains("extension/package.json", names);
        Assert.Contains("extension/dist/extension.js", names);
        Assert.DoesNotContain(names, n => n.Contains("node_modules", StringComparison.Ordinal) || n.StartsWith("extension/src/", StringComparison.Ordinal));

        using var manifest = JsonDocument.Parse(zip.GetEntry("extension/package.json")!.Open());
        var root = manifest.RootElement;
        Assert.Equal("./dist/extension.js", root.GetProperty("main").GetString());
        var commands = root.GetProperty("contributes").GetProperty("commands").EnumerateArray().Select(c => c.GetProperty("command").GetString()).ToList();
        Assert.Contains("engram.client.ask", commands);
        Assert.Contains("engram.client.runDialogue", commands);
        Assert.Contains("engram.client.restartServer", commands);

        using var reader = new StreamReader(zip.GetEntry("extension/dist/extension.js")!.Open());
        var bundle = await reader.ReadToEndAsync();
        Assert.Contains("registerProposedFeatures", bundle); // vscode-languageclient is bundled, not a runtime dependency
        Assert.Contains("engram/status", bundle);
    }
}
