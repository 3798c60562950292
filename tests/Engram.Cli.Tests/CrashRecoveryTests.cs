using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Engram.Core.Hypervectors;
using Engram.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Engram.Cli.Tests;

/// <summary>Kills an indexing process mid-build (SIGKILL), then checks that the database is consistent and that
/// the next run resumes and ends equal to a clean build.</summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task KilledBuildResumesToTheSameIndexAsACleanBuild()
    {
        using var workspace = new TempWorkspace();
        for (var i = 0; i < 60; i++)
        {
            workspace.Write($"src/Module{i:00}/Service{i:00}.cs", Source(i));
        }

        workspace.Commit();
        var database = Path.Combine(workspace.IndexDirectory, "engram.db");

        using (var process = Process.Start(EngramProcess.StartInfo("index", workspace.Root, "--index-dir", workspace.IndexDirectory, "--json", "--batch-files", "4"))!)
        {
            process.StandardInput.Close();
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (ChunkCount(database) == 0 && !process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.False(process.HasExited, "the build finished before it could be killed; make the fixture bigger");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var chunksAtKill = ChunkCount(database);
        Assert.InRange(chunksAtKill, 1, 60 * 4 - 1);
        Assert.Equal("ok", IntegrityCheck(database));

        var resumed = await EngramProcess.RunAsync("index", workspace.Root, "--index-dir", workspace.IndexDirectory, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        using var report = JsonDocument.Parse(resumed.StandardOutput);
        var total = report.RootElement.GetProperty("chunks").GetInt32();
        // Work committed before the kill is not repeated.
        Assert.True(report.RootElement.GetProperty("chunksEmbedded").GetInt32() <= total - chunksAtKill);

        var cleanDirectory = Path.Combine(workspace.IndexDirectory, "clean");
        var clean = await EngramProcess.RunAsync("index", workspace.Root, "--index-dir", cleanDirectory, "--json");
        Assert.True(clean.ExitCode == 0, clean.StandardError);

        var cleanChunks = Chunks(Path.Combine(cleanDirectory, "engram.db"));
        var resumedChunks = Chunks(database);
        var differences = cleanChunks.Except(resumedChunks).Concat(resumedChunks.Except(cleanChunks)).Select(r => r[..Math.Min(r.Length, 160)]);
        Assert.True(cleanChunks.SequenceEqual(resumedChunks), "chunks differ:\n" + string.Join('\n', differences));
        using var resumedStore = EngramStore.Open(database, EncoderSettings.Default.Dimension, create: false);
        using var cleanStore = EngramStore.Open(Path.Combine(cleanDirectory, "engram.db"), EncoderSettings.Default.Dimension, create: false);
        Assert.True(resumedStore.GetRootBundle().ContentEquals(cleanStore.GetRootBundle()));
        Assert.Equal(cleanStore.GetStatistics().IndexedCommit, resumedStore.GetStatistics().IndexedCommit);
    }

    private static string Source(int i) => $$"""
        namespace Demo.Module{{i}};

        /// <summary>Service number {{i}} computes things about {{i}}.</summary>
        public sealed class Service{{i:00}}
        {
            /// <summary>Returns the square of {{i}} plus the argument.</summary>
            public int Square(int x) => {{i}} * {{i}} + x;

            /// <summary>Formats the value {{i}} with a prefix.</summary>
            public string Describe(string prefix)
            {
                return prefix + ": service {{i}} of sixty, with a text long enough to give the model something to read {{i}}.";
            }

            /// <summary>Counts down from {{i}}.</summary>
            public IEnumerable<int> Countdown()
            {
                for (var k = {{i}}; k >= 0; k--)
                {
                    yield return k;
                }
            }
        }
        """;

    private static SqliteConnection OpenReadOnly(string database) =>
        new(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());

    private static int ChunkCount(string database)
    {
        if (!File.Exists(database))
        {
            return 0;
        }

        try
        {
            using var connection = OpenReadOnly(database);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM chunks";
            return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            // The schema may not exist yet.
            return 0;
        }
    }

    private static string IntegrityCheck(string database)
    {
        using var connection = OpenReadOnly(database);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }

    private static List<string> Chunks(string database)
    {
        using var connection = OpenReadOnly(database);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT f.path, c.start_line, c.end_line, c.kind, c.content_hash, hex(c.hv) FROM chunks c JOIN files f ON f.id = c.file_id ORDER BY f.path, c.start_line, c.end_line";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join('|', reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)));
        }

        return rows;
    }
}
