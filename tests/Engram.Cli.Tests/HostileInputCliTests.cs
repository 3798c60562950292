using System.Diagnostics;
using System.Text.Json;
using Engram.Tests.Support;

namespace Engram.Cli.Tests;

/// <summary>
/// The real executable against hostile input (issue 11, items 5 and 9): corrupted index databases are refused by
/// <c>status</c>, <c>search</c> and <c>index</c> with exit code 1, a message naming the file and the fix, no stack
/// trace, and the file unchanged; a named pipe in a folder outside git does not hang <c>engram index</c>.
/// </summary>
public sealed class HostileInputCliTests : IClassFixture<HostileInputCliTests.IndexedWorkspace>
{
    private const int PageBytes = 4096;
    private readonly IndexedWorkspace _indexed;

    public HostileInputCliTests(IndexedWorkspace indexed) => _indexed = indexed;

    public static TheoryData<string> Corruptions => new(s_corruptions.Keys);

    private static readonly Dictionary<string, Func<byte[], byte[]>> s_corruptions = new(StringComparer.Ordinal)
    {
        ["64 KiB of garbage in the middle"] = b => Overwrite(b, b.Length / 2 - 32 * 1024, Garbage(64 * 1024, 1)),
        ["zero-length file"] = _ => [],
        ["truncated to half its pages"] = b => b[..(b.Length / PageBytes / 2 * PageBytes)],
        ["truncated inside a page"] = b => b[..(b.Length - 1000)],
        ["garbage header"] = b => Overwrite(b, 0, Garbage(100, 2)),
        // A b-tree page, not a page of blob payload: SQLite cannot see corruption inside a blob.
        ["the files table's root page zeroed"] = b => Overwrite(b, (RootPage(b, "files") - 1) * PageBytes, new byte[PageBytes]),
        ["garbage in the schema page"] = b => Overwrite(b, 100, Garbage(PageBytes - 100, 3)),
        ["random bytes"] = _ => Garbage(8 * 1024, 5),
    };

    [Fact]
    public async Task A_plain_search_follows_an_index_built_with_no_embeddings()
    {
        // Issue 12: the index was built lexically; a search without the flag answers lexically instead of
        // asking for a rebuild in the other mode.
        var result = await EngramProcess.RunAsync("search", "--path", _indexed.Workspace.Root, "--index-dir", _indexed.Workspace.IndexDirectory, "--json", "Service42 square");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.DoesNotContain("engram index", result.StandardError, StringComparison.Ordinal);
        using var hits = JsonDocument.Parse(result.StandardOutput);
        Assert.Contains("Service42.cs", hits.RootElement[0].GetProperty("path").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task Status_search_and_index_refuse_a_corrupt_index_and_leave_it_untouched(string corruption)
    {
        var folder = Path.Combine(_indexed.Workspace.IndexDirectory, "case-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(folder);
        var database = Path.Combine(folder, "engram.db");
        var bytes = s_corruptions[corruption](File.ReadAllBytes(_indexed.DatabasePath));
        File.WriteAllBytes(database, bytes);
        var root = _indexed.Workspace.Root;

        foreach (var args in new[]
        {
            new[] { "status", root, "--index-dir", folder },
            ["status", root, "--index-dir", folder, "--json"],
            ["search", "--path", root, "--index-dir", folder, "--no-embeddings", "service square"],
            ["index", root, "--index-dir", folder, "--no-embeddings", "--json"],
        })
        {
            var result = await EngramProcess.RunAsync(args);
            var command = string.Join(' ', args.Take(1));
            Assert.True(result.ExitCode == 1, $"{command}: exit {result.ExitCode}\n{result.StandardError}");
            Assert.Contains(database, result.StandardError, StringComparison.Ordinal);
            Assert.Contains("engram index", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("not modified", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", result.StandardError, StringComparison.Ordinal);
            Assert.Equal("", result.StandardOutput.Trim());
        }

        Assert.Equal(bytes, File.ReadAllBytes(database));
    }

    [Fact]
    public async Task A_named_pipe_in_a_folder_outside_git_does_not_hang_index()
    {
        using var folder = new TempWorkspace(git: false);
        folder.Write("d/a.cs", "class A { }\n");
        SpecialFiles.MakeFifo(Path.Combine(folder.Root, "d", "f.cs"));
        File.CreateSymbolicLink(Path.Combine(folder.Root, "d", "zero.cs"), "/dev/zero");
        using var socket = SpecialFiles.BindSocket(Path.Combine(folder.Root, "d", "s.cs"));

        var stopwatch = Stopwatch.StartNew();
        var result = await EngramProcess.RunAsync("index", Path.Combine(folder.Root, "d"), "--index-dir", folder.IndexDirectory, "--no-embeddings", "--json");

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var report = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(1, report.RootElement.GetProperty("files").GetInt32());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromMinutes(1), $"index took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task An_unexpected_error_is_one_line_and_the_stack_trace_needs_verbose()
    {
        using var workspace = new TempWorkspace();
        workspace.Write("a.md", "# A\n");
        // --index-dir names a file: the folder for the database cannot be created.
        var notAFolder = workspace.IndexDirectory + ".file";
        File.WriteAllText(notAFolder, "x");

        var plain = await EngramProcess.RunAsync("index", workspace.Root, "--index-dir", notAFolder, "--no-embeddings");
        Assert.Equal(1, plain.ExitCode);
        Assert.StartsWith("engram: ", plain.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", plain.StandardError, StringComparison.Ordinal);
        Assert.Single(plain.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var verbose = await EngramProcess.RunAsync("index", workspace.Root, "--index-dir", notAFolder, "--no-embeddings", "--verbose");
        Assert.Equal(1, verbose.ExitCode);
        Assert.Contains("   at ", verbose.StandardError, StringComparison.Ordinal);
        File.Delete(notAFolder);
    }

    // The root page number of `table`, read from a copy of the healthy database.
    private static int RootPage(byte[] healthy, string table)
    {
        var copy = Path.Combine(Path.GetTempPath(), "engram-rootpage-" + Guid.NewGuid().ToString("n") + ".db");
        File.WriteAllBytes(copy, healthy);
        try
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT rootpage FROM sqlite_master WHERE name = $name";
            command.Parameters.AddWithValue("$name", table);
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    private static byte[] Overwrite(byte[] bytes, int offset, byte[] with)
    {
        var copy = bytes.ToArray();
        with.CopyTo(copy, offset);
        return copy;
    }

    private static byte[] Garbage(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A workspace of 80 C# files indexed once by the real executable (lexical only).</summary>
    public sealed class IndexedWorkspace : IDisposable
    {
        public IndexedWorkspace()
        {
            Workspace = new TempWorkspace();
            for (var i = 0; i < 80; i++)
            {
                Workspace.Write($"src/Module{i:00}/Service{i:00}.cs", $"namespace Demo.Module{i};\n\n/// <summary>Service {i} squares numbers for module {i}.</summary>\npublic sealed class Service{i:00}\n{{\n    /// <summary>Returns the square of {i} plus x.</summary>\n    public int Square(int x) => {i} * {i} + x;\n\n    /// <summary>Describes service {i}.</summary>\n    public string Describe(string prefix) => prefix + \": service {i}, text long enough to fill pages {i * 7} {i * 13}\";\n}}\n");
            }

            Workspace.Commit();
            var result = EngramProcess.RunAsync("index", Workspace.Root, "--index-dir", Workspace.IndexDirectory, "--no-embeddings", "--json").GetAwaiter().GetResult();
            Assert.True(result.ExitCode == 0, result.StandardError);
            DatabasePath = Path.Combine(Workspace.IndexDirectory, "engram.db");
        }

        public TempWorkspace Workspace { get; }

        public string DatabasePath { get; }

        public void Dispose() => Workspace.Dispose();
    }
}
