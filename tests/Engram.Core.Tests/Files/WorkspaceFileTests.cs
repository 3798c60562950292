using System.Text;
using Engram.Files;
using Engram.Tests.Support;
using Xunit.Abstractions;

namespace Engram.Core.Tests.Files;

/// <summary>
/// <see cref="WorkspaceFile"/> on real files, symbolic links, named pipes, sockets and devices: what is read, what is
/// refused and why, and that nothing blocks (issue 11, items 2, 3 and 5).
/// </summary>
public sealed class WorkspaceFileTests : IDisposable
{
    private const string Secret = "SECRET-OUTSIDE";
    private const long Limit = 16;
    private static readonly TimeSpan s_quickly = TimeSpan.FromSeconds(10);

    private readonly ITestOutputHelper _output;
    private readonly string _base = Path.Combine(Path.GetTempPath(), "engram-tests", "files-" + Guid.NewGuid().ToString("n")[..12]);
    private readonly string _root;
    private readonly string _outside;
    private readonly System.Net.Sockets.Socket _socket;

    public WorkspaceFileTests(ITestOutputHelper output)
    {
        _output = output;
        _root = Path.Combine(_base, "root");
        _outside = Path.Combine(_base, "outside");
        Directory.CreateDirectory(Path.Combine(_root, "src", "folder"));
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), Secret + "\n");
        File.WriteAllText(Path.Combine(_root, "src", "a.cs"), "class A {}\n");
        File.WriteAllText(Path.Combine(_root, "exact.txt"), new string('x', (int)Limit));
        File.WriteAllText(Path.Combine(_root, "big.txt"), new string('x', (int)Limit + 1));
        File.WriteAllText(Path.Combine(_root, "empty.txt"), "");
        File.WriteAllText(Path.Combine(_root, "bom.txt"), "café\n", new UTF8Encoding(true));
        File.WriteAllText(Path.Combine(_root, ".git", "config"), "[remote] url = https://token@example.invalid\n");
        File.CreateSymbolicLink(Path.Combine(_root, "src", "alias.cs"), Path.Combine(_root, "src", "a.cs"));
        File.CreateSymbolicLink(Path.Combine(_root, "src", "relative.cs"), "a.cs");
        File.CreateSymbolicLink(Path.Combine(_root, "src", "escape.cs"), Path.Combine(_outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_root, "src", "up.cs"), "../../outside/secret.txt");
        File.CreateSymbolicLink(Path.Combine(_root, "src", "zero.cs"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(_root, "src", "null.cs"), "/dev/null");
        File.CreateSymbolicLink(Path.Combine(_root, "src", "passwd.cs"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(_root, "gitlink"), Path.Combine(_root, ".git", "config"));
        File.CreateSymbolicLink(Path.Combine(_root, "dangling.cs"), Path.Combine(_root, "nowhere.cs"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "linkdir"), _outside);
        SpecialFiles.MakeFifo(Path.Combine(_root, "src", "pipe.cs"));
        File.CreateSymbolicLink(Path.Combine(_root, "src", "pipe-link.cs"), Path.Combine(_root, "src", "pipe.cs"));
        _socket = SpecialFiles.BindSocket(Path.Combine(_root, "src", "socket.cs"));
    }

    /// <summary>(path, read with the root?, expected: the text read, or the refusal, or "missing").</summary>
    public static TheoryData<string, bool, string> Cases => new()
    {
        // Read.
        { "src/a.cs", true, "class A {}\n" },
        { "src/alias.cs", true, "class A {}\n" },
        { "src/relative.cs", true, "class A {}\n" },
        { "exact.txt", true, new string('x', (int)Limit) },
        { "empty.txt", true, "" },
        { "bom.txt", true, "café\n" },
        // Leaving the root.
        { "src/escape.cs", true, nameof(WorkspaceFileRefusal.OutsideRoot) },
        { "src/up.cs", true, nameof(WorkspaceFileRefusal.OutsideRoot) },
        { "src/passwd.cs", true, nameof(WorkspaceFileRefusal.OutsideRoot) },
        { "src/zero.cs", true, nameof(WorkspaceFileRefusal.OutsideRoot) },
        { "src/null.cs", true, nameof(WorkspaceFileRefusal.OutsideRoot) },
        { "linkdir/secret.txt", true, nameof(WorkspaceFileRefusal.OutsideRoot) },
        { "{outside}/secret.txt", true, nameof(WorkspaceFileRefusal.OutsideRoot) },
        { "/etc/passwd", true, nameof(WorkspaceFileRefusal.OutsideRoot) },
        // .git internals.
        { ".git/config", true, nameof(WorkspaceFileRefusal.GitInternals) },
        { "gitlink", true, nameof(WorkspaceFileRefusal.GitInternals) },
        // Special files: never block, never read.
        { "src/pipe.cs", true, nameof(WorkspaceFileRefusal.NotRegularFile) },
        { "src/pipe-link.cs", true, nameof(WorkspaceFileRefusal.NotRegularFile) },
        { "src/socket.cs", true, nameof(WorkspaceFileRefusal.NotRegularFile) },
        { "src/folder", true, nameof(WorkspaceFileRefusal.NotRegularFile) },
        { "src/pipe.cs", false, nameof(WorkspaceFileRefusal.NotRegularFile) },
        { "src/zero.cs", false, nameof(WorkspaceFileRefusal.NotRegularFile) },
        { "/dev/zero", false, nameof(WorkspaceFileRefusal.NotRegularFile) },
        { "/dev/null", false, nameof(WorkspaceFileRefusal.NotRegularFile) },
        { "/dev/urandom", false, nameof(WorkspaceFileRefusal.NotRegularFile) },
        { "src/socket.cs", false, nameof(WorkspaceFileRefusal.NotRegularFile) },
        // Size.
        { "big.txt", true, nameof(WorkspaceFileRefusal.TooLarge) },
        // Missing.
        { "missing.cs", true, "missing" },
        { "dangling.cs", true, "missing" },
        // Without a root (a file the user named), links may lead anywhere.
        { "src/escape.cs", false, Secret + "\n" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Reads_regular_files_inside_the_root_and_refuses_everything_else(string path, bool withRoot, string expected)
    {
        var full = path.StartsWith("{outside}/", StringComparison.Ordinal) ? Path.Combine(_outside, path["{outside}/".Length..])
            : Path.IsPathRooted(path) ? path
            : Path.Combine(_root, path);
        var root = withRoot ? _root : null;

        var sync = await Task.Run(() => Outcome(() => WorkspaceFile.ReadAllText(full, root, Limit))).WaitAsync(s_quickly);
        var async = await Outcome(() => WorkspaceFile.ReadAllTextAsync(full, root, Limit)).WaitAsync(s_quickly);

        Assert.Equal(expected, sync);
        Assert.Equal(expected, async);
    }

    [Fact]
    public void A_refusal_names_the_file_and_the_limit()
    {
        var big = Path.Combine(_root, "big.txt");
        var ex = Assert.Throws<WorkspaceFileException>(() => WorkspaceFile.ReadAllBytes(big, _root, Limit));
        Assert.Equal(big, ex.FilePath);
        Assert.Contains(big, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{Limit + 1} bytes, over the limit of {Limit} bytes", ex.Message, StringComparison.Ordinal);

        var pipe = Path.Combine(_root, "src", "pipe.cs");
        var fifo = Assert.Throws<WorkspaceFileException>(() => WorkspaceFile.ReadAllBytes(pipe, _root, Limit));
        Assert.Contains("named pipe (FIFO)", fifo.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(fifo);
    }

    [Fact]
    public void Files_that_report_size_zero_are_read_to_the_end_and_stopped_at_the_limit()
    {
        // procfs files are regular files of size 0 whose content appears when read.
        var status = WorkspaceFile.ReadAllText("/proc/self/status", null, 1024 * 1024);
        Assert.Contains("Name:", status, StringComparison.Ordinal);

        var ex = Assert.Throws<WorkspaceFileException>(() => WorkspaceFile.ReadAllBytes("/proc/self/status", null, 16));
        Assert.Equal(WorkspaceFileRefusal.TooLarge, ex.Refusal);
        Assert.Contains("grew past the limit of 16 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_are_cancellable()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var path = Path.Combine(_root, "src", "a.cs");
        Assert.Throws<OperationCanceledException>(() => WorkspaceFile.ReadAllBytes(path, _root, Limit, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WorkspaceFile.ReadAllTextAsync(path, _root, Limit, cancelled.Token));
    }

    [Theory]
    [InlineData("src/a.cs", FileKind.RegularFile)]
    [InlineData("src/alias.cs", FileKind.SymbolicLink)]
    [InlineData("src/pipe.cs", FileKind.NamedPipe)]
    [InlineData("src/socket.cs", FileKind.Socket)]
    [InlineData("src/folder", FileKind.Directory)]
    [InlineData("missing.cs", FileKind.Missing)]
    [InlineData("/dev/zero", FileKind.CharacterDevice)]
    public void Kinds_come_from_stat_without_following_links(string path, FileKind expected) =>
        Assert.Equal(expected, WorkspaceFile.GetKind(Path.IsPathRooted(path) ? path : Path.Combine(_root, path)));

    [Theory]
    [InlineData("/home/u/proj/.engram/engram.json", "/home/u/proj")]
    [InlineData("/home/u/proj/.engram/modes/leak.json", "/home/u/proj")]
    [InlineData("/home/u/proj/.engram/modes", "/home/u/proj")]
    [InlineData("/home/u/.config/engram/modes/debate.json", null)]
    [InlineData("/home/u/proj/.engram-cache/x.json", null)]
    [InlineData("/opt/engram/modes/debate.json", null)]
    public void The_workspace_that_owns_an_engram_folder_is_the_folder_above_it(string path, string? expected) =>
        Assert.Equal(expected, WorkspaceFile.WorkspaceRootOf(path));

    [Fact]
    public async Task Swapping_a_file_for_a_link_out_of_the_root_never_leaks_it()
    {
        var target = Path.Combine(_root, "src", "race.cs");
        var link = Path.Combine(_root, "src", "dir");
        var inside = Path.Combine(_root, "src", "real");
        Directory.CreateDirectory(inside);
        File.WriteAllText(Path.Combine(inside, "race.cs"), "class Race {}\n");
        File.WriteAllText(Path.Combine(_outside, "race.cs"), Secret + "\n");
        File.WriteAllText(target, "class Race {}\n");
        Directory.CreateSymbolicLink(link, inside);

        var fileCounts = await RaceAsync(target, flip =>
        {
            var temporary = Path.Combine(_root, "src", flip ? ".race-link" : ".race-file");
            if (flip)
            {
                File.CreateSymbolicLink(temporary, Path.Combine(_outside, "secret.txt"));
            }
            else
            {
                File.WriteAllText(temporary, "class Race {}\n");
            }

            SpecialFiles.Rename(temporary, target);
        });
        var folderCounts = await RaceAsync(Path.Combine(link, "race.cs"), flip =>
        {
            var temporary = Path.Combine(_root, "src", ".dir-link");
            Directory.CreateSymbolicLink(temporary, flip ? _outside : inside);
            SpecialFiles.Rename(temporary, link);
        });

        Assert.Equal(0, fileCounts.Leaks);
        Assert.Equal(0, folderCounts.Leaks);
    }

    public void Dispose()
    {
        _socket.Dispose();
        try
        {
            Directory.Delete(_base, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<string> Outcome(Func<Task<string>> read)
    {
        try
        {
            return await read();
        }
        catch (WorkspaceFileException ex)
        {
            return ex.Refusal.ToString();
        }
        catch (FileNotFoundException)
        {
            return "missing";
        }
    }

    private static string Outcome(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (WorkspaceFileException ex)
        {
            return ex.Refusal.ToString();
        }
        catch (FileNotFoundException)
        {
            return "missing";
        }
    }

    private async Task<(int Leaks, int Read, int Refused)> RaceAsync(string path, Action<bool> swap)
    {
        // At least 3000 reads and 500 swaps (reads are faster than swaps), whichever takes longer, within 60 s.
        const int minReads = 3000;
        const int minSwaps = 500;
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

        int leaks = 0, read = 0, refused = 0, reads = 0;
        await swapping.Task;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        try
        {
            for (; (reads < minReads || Volatile.Read(ref swaps) < minSwaps) && DateTime.UtcNow < deadline; reads++)
            {
                try
                {
                    if (WorkspaceFile.ReadAllText(path, _root, 1024).Contains(Secret, StringComparison.Ordinal))
                    {
                        leaks++;
                    }
                    else
                    {
                        read++;
                    }
                }
                catch (IOException)
                {
                    refused++;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await swapper;
        }

        _output.WriteLine($"{Path.GetRelativePath(_root, path)}: {reads} reads during {swaps} swaps: {read} read inside the root, {refused} refused, {leaks} leaked");
        Assert.True(read > 0 && refused + leaks > 0, $"the race did not happen: {read} read, {refused} refused, {leaks} leaked");
        return (leaks, read, refused);
    }
}
