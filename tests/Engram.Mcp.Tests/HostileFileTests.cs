using Engram.Tests.Support;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Engram.Mcp.Tests;

/// <summary>
/// Workspace files that try to leave the root or hang the server (issue 11, items 2 and 5): symbolic links among the
/// mode files, a mode folder that is a link, named pipes and devices given to the reading tools.
/// </summary>
public sealed class HostileFileTests
{
    private const string Secret = "SECRET-MODE-OUTSIDE";
    private static readonly TimeSpan s_quickly = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("a mode file that is a link out of the root")]
    [InlineData("a mode folder that is a link out of the root")]
    public async Task Workspace_modes_that_lead_out_of_the_root_are_not_served(string setup)
    {
        var repo = new FixtureRepo();
        var outside = Path.Combine(repo.Base, "outside-modes");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "leak.json"), $$"""{ "name": "leak", "description": "{{Secret}}", "turns": [] }""");
        var modes = Path.Combine(repo.Root, ".engram", "modes");
        if (setup.Contains("file", StringComparison.Ordinal))
        {
            Directory.CreateDirectory(modes);
            File.CreateSymbolicLink(Path.Combine(modes, "leak.json"), Path.Combine(outside, "leak.json"));
            File.WriteAllText(Path.Combine(modes, "inside.json"), """{ "name": "inside", "description": "a mode of the workspace", "turns": [] }""");
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(modes)!);
            Directory.CreateSymbolicLink(modes, outside);
        }

        await using var host = await McpTestHost.StartAsync(index: false, repo: repo, modesDirectories: [McpTestHost.ModesDirectory, modes]);
        var client = await host.ConnectAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("engram://modes/leak").AsTask());
        Assert.DoesNotContain(Secret, refused.Message, StringComparison.Ordinal);
        var prompts = await client.ListPromptsAsync();
        Assert.DoesNotContain(prompts, p => p.Name == "dialogue-leak");
        Assert.All(prompts, p => Assert.DoesNotContain(Secret, p.Description ?? "", StringComparison.Ordinal));
        // The shipped modes, and the workspace's own regular files, are still served.
        Assert.NotNull(await client.ReadResourceAsync("engram://modes/debate"));
        if (setup.Contains("file", StringComparison.Ordinal))
        {
            Assert.Contains(prompts, p => p.Name == "dialogue-inside");
        }
    }

    [Theory]
    [InlineData("read_code")]
    [InlineData("explain")]
    [InlineData("generate_docs")]
    public async Task A_named_pipe_in_the_root_is_refused_at_once_and_the_server_goes_on(string tool)
    {
        await using var host = await McpTestHost.StartAsync(index: false);
        SpecialFiles.MakeFifo(Path.Combine(host.Repo.Root, "src", "pipe.cs"));
        var client = await host.ConnectAsync();

        var result = await CallAsync(client, tool, "src/pipe.cs").WaitAsync(s_quickly);

        Assert.True(result.IsError, result.Text());
        Assert.Contains("named pipe (FIFO)", result.Text(), StringComparison.Ordinal);
        var next = await client.CallAsync("read_code", new { path = "web/cart.ts", start_line = 1, end_line = 1 }).WaitAsync(s_quickly);
        Assert.Contains("cartTotal", next.Json().GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/dev/zero", "outside the workspace root")]
    [InlineData("/dev/urandom", "outside the workspace root")]
    [InlineData("/etc/passwd", "outside the workspace root")]
    public async Task A_link_to_a_device_or_a_system_file_is_refused(string target, string reason)
    {
        await using var host = await McpTestHost.StartAsync(index: false);
        File.CreateSymbolicLink(Path.Combine(host.Repo.Root, "src", "link.cs"), target);
        var client = await host.ConnectAsync();

        var result = await client.CallAsync("read_code", new { path = "src/link.cs", start_line = 1, end_line = 5 }).WaitAsync(s_quickly);

        Assert.True(result.IsError, result.Text());
        Assert.Contains(reason, result.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_naming_the_limit()
    {
        await using var host = await McpTestHost.StartAsync(index: false);
        var big = Path.Combine(host.Repo.Root, "big.txt");
        await using (var stream = File.Create(big))
        {
            stream.SetLength(Tools.CodeTools.MaxFileBytes + 1);
        }

        var client = await host.ConnectAsync();
        var result = await client.CallAsync("read_code", new { path = "big.txt", start_line = 1, end_line = 1 });

        Assert.True(result.IsError);
        Assert.Contains($"over the limit of {Tools.CodeTools.MaxFileBytes} bytes", result.Text(), StringComparison.Ordinal);
        Assert.Contains(big, result.Text(), StringComparison.Ordinal);
    }

    private static Task<CallToolResult> CallAsync(ModelContextProtocol.Client.McpClient client, string tool, string path) => tool switch
    {
        "read_code" => client.CallAsync(tool, new { path, start_line = 1, end_line = 1 }),
        _ => client.CallAsync(tool, new { path, line = 1 }),
    };
}
