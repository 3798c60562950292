using System.Text.Json;
using Engram.Clients.Tests.Support;
using Xunit.Abstractions;

namespace Engram.Clients.Tests;

/// <summary>
/// clients/nvim in headless Neovim (Debian's 0.7.2 on CI) against the real <c>engram lsp</c> and a scripted model:
/// attach, coexistence with a second server, completion, inline ghost text (extmarks) with accept and dismiss,
/// :EngramIndex, :EngramAsk, modes, :EngramReview diagnostics. The Lua side (clients/nvim/test/engram_spec.lua)
/// prints one line per check and "N passed, N failed".
/// </summary>
public sealed class NeovimTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Plugin_drives_the_real_server_in_headless_neovim()
    {
        var nvim = ChildProcess.Which("nvim") ?? throw new InvalidOperationException("nvim is not on PATH: run scripts/install-editors.sh");
        await using var model = new FakeOpenAiServer(ClientWorkspace.FakeModelRules());
        using var workspace = new ClientWorkspace(model);
        var env = workspace.Environment;
        env["ENGRAM_TEST_COMMAND"] = JsonSerializer.Serialize(workspace.ServerCommand);
        env["ENGRAM_TEST_FILE"] = workspace.CalcPath;
        env["ENGRAM_TEST_INLINE"] = ClientWorkspace.InlineReply;
        env["ENGRAM_TEST_REVIEW_CODE"] = ClientWorkspace.ReviewCode;
        var plugin = Path.Combine(RepoPaths.ClientsDir, "nvim");

        var result = await ChildProcess.RunAsync(nvim,
            ["--headless", "-u", "NONE", "-i", "NONE", "-n", "--cmd", "set rtp^=" + plugin, "-c", LuaRunFile(Path.Combine(plugin, "test", "engram_spec.lua"))],
            workspace.Folder, TimeSpan.FromMinutes(4), env);

        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("12 passed, 0 failed", result.Output);
    }

    /// <summary>A command that runs a Lua file and quits with status 3 when it raises (nvim would otherwise stay open).</summary>
    private static string LuaRunFile(string path) =>
        $"lua local ok, err = pcall(dofile, {System.Text.Json.JsonSerializer.Serialize(path)}) if not ok then io.stdout:write(tostring(err) .. '\\n') vim.cmd('cquit! 3') end";
}
