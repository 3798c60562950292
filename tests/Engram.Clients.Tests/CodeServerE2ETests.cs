using Engram.Clients.Tests.Support;
using Xunit.Abstractions;

namespace Engram.Clients.Tests;

/// <summary>
/// The packaged extension in a real VS Code: code-server (npm, Node 24) driven by Debian's Chromium through
/// playwright-core, against the real <c>engram lsp</c> and a scripted model (extension-vscode/e2e/run-e2e.mjs).
/// </summary>
public sealed class CodeServerE2ETests(ITestOutputHelper output)
{
    [Fact]
    public async Task Extension_works_in_code_server()
    {
        var chromium = File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : throw new InvalidOperationException("/usr/bin/chromium is missing: run scripts/install-editors.sh");
        foreach (var line in await NodeProjects.EnsureExtensionBuiltAsync())
        {
            output.WriteLine(line);
        }

        foreach (var line in await NodeProjects.EnsureE2eInstalledAsync())
        {
            output.WriteLine(line);
        }

        var vsix = Path.Combine(RepoPaths.ExtensionDir, "engram.vsix");
        var package = await ChildProcess.RunAsync("npm", ["run", "package"], RepoPaths.ExtensionDir, TimeSpan.FromMinutes(3));
        Assert.True(package.ExitCode == 0, package.ToString());

        await using var model = new FakeOpenAiServer(ClientWorkspace.FakeModelRules());
        using var workspace = new ClientWorkspace(model);
        var env = workspace.Environment;
        env["ENGRAM_E2E_WORKSPACE"] = workspace.Folder;
        env["ENGRAM_E2E_VSIX"] = vsix;
        env["ENGRAM_E2E_DLL"] = RepoPaths.EngramDll;
        // Screenshots of each step stay after the run (artifacts/ is ignored by git), for a look at a failure.
        env["ENGRAM_E2E_OUT"] = Path.Combine(RepoPaths.Root, "artifacts", "e2e-screenshots");
        if (Directory.Exists(env["ENGRAM_E2E_OUT"]))
        {
            Directory.Delete(env["ENGRAM_E2E_OUT"]!, recursive: true);
        }

        env["CHROMIUM"] = chromium;
        Directory.CreateDirectory(env["ENGRAM_E2E_OUT"]!);

        var result = await ChildProcess.RunAsync("node", ["run-e2e.mjs"], NodeProjects.E2eDir, TimeSpan.FromMinutes(6), env);
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("10 passed, 0 failed", result.Output);
    }
}
