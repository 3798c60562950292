using System.Text.Json;
using Engram.Clients.Tests.Support;
using Xunit.Abstractions;

namespace Engram.Clients.Tests;

/// <summary>
/// clients/emacs/engram-eglot.el in batch Emacs with Debian's Eglot against the real <c>engram lsp</c>: capabilities,
/// completion-at-point, engram.index, the engram/status notification, engram.listModes and engram.ask (ERT tests in
/// clients/emacs/test/engram-eglot-test.el).
/// </summary>
public sealed class EmacsEglotTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Eglot_configuration_drives_the_real_server_in_batch_emacs()
    {
        var emacs = ChildProcess.Which("emacs") ?? throw new InvalidOperationException("emacs is not on PATH: run scripts/install-editors.sh");
        await using var model = new FakeOpenAiServer(ClientWorkspace.FakeModelRules());
        using var workspace = new ClientWorkspace(model);
        var env = workspace.Environment;
        env["ENGRAM_TEST_COMMAND"] = JsonSerializer.Serialize(workspace.ServerCommand);
        env["ENGRAM_TEST_FILE"] = workspace.CalcPath;
        env["HOME"] = workspace.Root; // no ~/.emacs.d of the machine's user
        var dir = Path.Combine(RepoPaths.ClientsDir, "emacs");

        var result = await ChildProcess.RunAsync(emacs,
            ["--batch", "-q", "-L", dir, "-l", Path.Combine(dir, "test", "engram-eglot-test.el"), "-f", "ert-run-tests-batch-and-exit"],
            workspace.Folder, TimeSpan.FromMinutes(4), env);

        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Ran 5 tests, 5 results as expected, 0 unexpected", result.Output);
    }
}
