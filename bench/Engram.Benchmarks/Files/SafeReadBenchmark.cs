using System.Diagnostics;
using Engram.Files;
using Microsoft.Data.Sqlite;

namespace Engram.Benchmarks.Files;

/// <summary>
/// <c>files [--root DIR] [--index DB]</c>: what the hostile-input defences cost. Reads every file under 1 MiB of
/// <c>DIR</c> (default: this repository's <c>src</c>) with <see cref="File.ReadAllBytes(string)"/> and with
/// <see cref="WorkspaceFile.ReadAllBytes"/> (root given: resolve, open without following, fstat, handle path check),
/// seven passes each, interleaved; with <c>--index</c>, times <c>PRAGMA quick_check</c> on a read-only connection as
/// <c>EngramStore.Open</c> runs it once per process.
/// </summary>
internal static class SafeReadBenchmark
{
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Quality.RepositoryPaths.FindRoot(), "src");
        string? index = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--root":
                    root = Path.GetFullPath(args[i + 1]);
                    break;
                case "--index":
                    index = Path.GetFullPath(args[i + 1]);
                    break;
                default:
                    Console.Error.WriteLine($"files: unknown option {args[i]}");
                    return Task.FromResult(2);
            }
        }

        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.git/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Where(f => new FileInfo(f).Length < 1 << 20)
            .ToList();
        var plain = new List<double>();
        var safe = new List<double>();
        for (var pass = 0; pass < 7; pass++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            plain.Add(Time(files, File.ReadAllBytes));
            safe.Add(Time(files, f => WorkspaceFile.ReadAllBytes(f, root, 1 << 20, cancellationToken)));
        }

        Console.WriteLine($"| read of {files.Count} files under {root} (median of 7 passes) | ms per pass | µs per file |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| File.ReadAllBytes | {Median(plain):0.0} | {Median(plain) * 1000 / files.Count:0.0} |");
        Console.WriteLine($"| WorkspaceFile.ReadAllBytes (root checked) | {Median(safe):0.0} | {Median(safe) * 1000 / files.Count:0.0} |");

        if (index is not null)
        {
            var checks = new List<double>();
            for (var pass = 0; pass < 7; pass++)
            {
                var stopwatch = Stopwatch.StartNew();
                using (var connection = new SqliteConnection($"Data Source={index};Mode=ReadOnly;Pooling=False"))
                {
                    connection.Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA quick_check(5)";
                    using var reader = command.ExecuteReader();
                    while (reader.Read())
                    {
                    }
                }

                checks.Add(stopwatch.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"| PRAGMA quick_check of {new FileInfo(index).Length / 1e6:0.0} MB (median of 7, connection open included) | {Median(checks):0.0} | |");
        }

        return Task.FromResult(0);
    }

    private static double Time(List<string> files, Func<string, byte[]> read)
    {
        var stopwatch = Stopwatch.StartNew();
        foreach (var file in files)
        {
            read(file);
        }

        return stopwatch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
