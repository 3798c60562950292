using Engram.Tests.Support;
using Xunit.Abstractions;

namespace Engram.Mcp.Tests;

/// <summary>
/// <c>read_code</c> while another thread swaps a path between a file inside the root and a symbolic link leading
/// out of it (issue 11, item 3): no call may return the outside file's text.
/// </summary>
public sealed class ReadRaceTests(ITestOutputHelper output)
{
    private const string Secret = "SECRET-OUTSIDE-THE-ROOT";
    private const int Calls = 400;

    [Fact]
    public async Task Swapping_the_file_for_a_symlink_never_leaks_the_target()
    {
        await using var host = await McpTestHost.StartAsync(index: false);
        var outside = Path.Combine(host.Repo.Base, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.txt"), Secret + "\n");
        var src = Path.Combine(host.Repo.Root, "src");
        var target = Path.Combine(src, "race.cs");
        File.WriteAllText(target, "class Race {}\n");

        // Each swap is one rename(2), so the path always exists and flips between the two kinds.
        var counts = await RaceAsync(host, "src/race.cs", flip =>
        {
            var temporary = Path.Combine(src, ".race-" + (flip ? "link" : "file"));
            if (flip)
            {
                File.CreateSymbolicLink(temporary, Path.Combine(outside, "secret.txt"));
            }
            else
            {
                File.WriteAllText(temporary, "class Race {}\n");
            }

            File.Move(temporary, target, overwrite: true);
        });

        Assert.Equal(0, counts.Leaks);
    }

    [Fact]
    public async Task Swapping_a_folder_link_for_one_leading_out_never_leaks_the_target()
    {
        await using var host = await McpTestHost.StartAsync(index: false);
        var outside = Path.Combine(host.Repo.Base, "outside-dir");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "race.cs"), Secret + "\n");
        var inside = Path.Combine(host.Repo.Root, "src", "real");
        Directory.CreateDirectory(inside);
        File.WriteAllText(Path.Combine(inside, "race.cs"), "class Race {}\n");
        var link = Path.Combine(host.Repo.Root, "src", "dir");
        Directory.CreateSymbolicLink(link, inside);

        // src/dir is always a link; its target flips between a folder inside the root and one outside it.
        var counts = await RaceAsync(host, "src/dir/race.cs", flip =>
        {
            var temporary = Path.Combine(host.Repo.Root, "src", ".dir-link");
            Directory.CreateSymbolicLink(temporary, flip ? outside : inside);
            // File.Move follows a link to a folder; rename(2) replaces the link itself.
            SpecialFiles.Rename(temporary, link);
        });

        Assert.Equal(0, counts.Leaks);
    }

    private async Task<(int Leaks, int Read, int Refused)> RaceAsync(McpTestHost host, string path, Action<bool> swap)
    {
        var client = await host.ConnectAsync();
        using var stop = new CancellationTokenSource();
        var swaps = 0;
        var swapping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var swapper = Task.Run(() =>
        {
            var flip = false;
            while (!stop.IsCancellationRequested)
            {
                flip = !flip;
                swap(flip);
                Interlocked.Increment(ref swaps);
                swapping.TrySetResult();
            }
        });

        int leaks = 0, read = 0, refused = 0;
        await swapping.Task;
        try
        {
            for (var i = 0; i < Calls; i++)
            {
                var result = await client.CallAsync("read_code", new { path, start_line = 1, end_line = 1 });
                var text = result.Text();
                if (text.Contains(Secret, StringComparison.Ordinal))
                {
                    leaks++;
                }
                else if (result.IsError == true)
                {
                    refused++;
                }
                else
                {
                    read++;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await swapper;
        }

        output.WriteLine($"{path}: {Calls} read_code calls during {swaps} swaps: {read} read the file inside the root, {refused} refused, {leaks} leaked the outside file");
        // Both states were seen: the race really ran.
        Assert.True(read > 0 && refused + leaks > 0, $"the race did not happen: {read} read, {refused} refused, {leaks} leaked");
        return (leaks, read, refused);
    }
}
