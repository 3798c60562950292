using System.Text.Json;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// Runs Engram through its CLI contract: <c>engram index &lt;dir&gt; --index-dir &lt;db&gt; --json</c>, then
/// <c>engram search --path &lt;dir&gt; --index-dir &lt;db&gt; --queries &lt;file.jsonl&gt; --top 10 --json</c>,
/// whose stdout has one <c>{"id", "results": [{"path", "startLine", "endLine", "score", …}]}</c> line per query.
/// </summary>
internal sealed class EngramCliRunner
{
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan s_indexTimeout = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan s_searchTimeout = TimeSpan.FromMinutes(20);
    private readonly string? _executable;
    private readonly string _unavailableReason;

    private EngramCliRunner(string? executable, string unavailableReason)
    {
        _executable = executable;
        _unavailableReason = unavailableReason;
    }

    /// <summary>True when an executable was found or built.</summary>
    public bool IsAvailable => _executable is not null;

    /// <summary>The executable in use, or the reason there is none.</summary>
    public string Description => _executable ?? _unavailableReason;

    /// <summary>
    /// Uses <paramref name="executable"/> when given; otherwise builds <c>src/Engram.Cli</c> in Release once and
    /// uses <c>artifacts/bin/Engram.Cli/release/engram</c>. A failed build yields an unavailable runner (never throws
    /// except on cancellation).
    /// </summary>
    public static async Task<EngramCliRunner> PrepareAsync(string repositoryRoot, string? executable, CancellationToken cancellationToken)
    {
        if (executable is not null)
        {
            return File.Exists(executable)
                ? new EngramCliRunner(executable, "")
                : new EngramCliRunner(null, $"{executable} does not exist");
        }

        var project = Path.Combine(repositoryRoot, "src", "Engram.Cli", "Engram.Cli.csproj");
        if (!File.Exists(project))
        {
            return new EngramCliRunner(null, "src/Engram.Cli is missing");
        }

        Console.Error.WriteLine("building src/Engram.Cli (Release)…");
        var build = await ProcessRunner.RunAsync(
            "dotnet",
            ["build", "-c", "Release", project, "-nologo", "-v", "q"],
            repositoryRoot,
            s_buildTimeout,
            cancellationToken);
        if (build.ExitCode != 0)
        {
            var errors = build.StandardOutput.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)).Take(3);
            return new EngramCliRunner(null, $"build failed: {string.Join(" | ", errors).Trim()}");
        }

        var output = Path.Combine(repositoryRoot, "artifacts", "bin", "Engram.Cli", "release");
        var candidate = Path.Combine(output, OperatingSystem.IsWindows() ? "engram.exe" : "engram");
        return File.Exists(candidate)
            ? new EngramCliRunner(candidate, "")
            : new EngramCliRunner(null, $"built, but {candidate} is missing");
    }

    /// <summary>
    /// Indexes <paramref name="corpus"/> from scratch into <c>&lt;work&gt;/engram/&lt;name&gt;</c> and runs all its
    /// queries in one batch. Failures are reported in <see cref="EngramRun.Status"/>, never thrown.
    /// </summary>
    public async Task<EngramRun> RunAsync(BenchCorpus corpus, string workDirectory, CancellationToken cancellationToken)
    {
        if (_executable is null)
        {
            return EngramRun.Unavailable($"engram: not available ({_unavailableReason})");
        }

        var folder = Path.Combine(workDirectory, "engram", corpus.Name);
        var indexDirectory = Path.Combine(folder, "index");
        if (Directory.Exists(indexDirectory))
        {
            Directory.Delete(indexDirectory, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var index = await ProcessRunner.RunAsync(
            _executable,
            ["index", corpus.RootDirectory, "--index-dir", indexDirectory, "--json"],
            folder,
            s_indexTimeout,
            cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "index.log"), index.StandardOutput + index.StandardError, cancellationToken);
        if (index.ExitCode != 0)
        {
            return EngramRun.Unavailable($"engram index failed (exit {index.ExitCode}): {index.Tail(300)}");
        }

        var queriesFile = Path.Combine(folder, "queries.jsonl");
        await File.WriteAllLinesAsync(
            queriesFile,
            corpus.Queries.Select(q => JsonSerializer.Serialize(new { id = q.Id, query = q.Text })),
            cancellationToken);
        var search = await ProcessRunner.RunAsync(
            _executable,
            ["search", "--path", corpus.RootDirectory, "--index-dir", indexDirectory, "--queries", queriesFile, "--top", RetrievalMetrics.Depth.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"],
            folder,
            s_searchTimeout,
            cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "results.jsonl"), search.StandardOutput, cancellationToken);
        if (search.ExitCode != 0)
        {
            return EngramRun.Unavailable($"engram search failed (exit {search.ExitCode}): {search.Tail(300)}");
        }

        var hits = new Dictionary<string, IReadOnlyList<SearchHit>>(StringComparer.Ordinal);
        var malformed = 0;
        foreach (var line in search.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (TryParseResultLine(line, corpus.RootDirectory, out var id, out var results))
            {
                hits[id] = results;
            }
            else
            {
                malformed++;
            }
        }

        var status = malformed == 0 ? "ok" : $"ok ({malformed} unparsable output lines)";
        var report = index.StandardOutput.Trim();
        return new EngramRun(status, hits, index.Elapsed.TotalSeconds, search.Elapsed.TotalSeconds, report, ReadChunks(report));
    }

    private static bool TryParseResultLine(string line, string corpusRoot, out string id, out IReadOnlyList<SearchHit> results)
    {
        id = "";
        results = [];
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var idElement) ||
                !root.TryGetProperty("results", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : idElement.GetRawText();
            var list = new List<SearchHit>();
            foreach (var hit in array.EnumerateArray())
            {
                var path = hit.TryGetProperty("path", out var p) ? p.GetString() ?? "" : "";
                var start = hit.TryGetProperty("startLine", out var s) ? s.GetInt32() : 0;
                var end = hit.TryGetProperty("endLine", out var e) ? e.GetInt32() : start;
                var score = hit.TryGetProperty("score", out var sc) && sc.ValueKind == JsonValueKind.Number ? sc.GetDouble() : 0;
                if (Path.IsPathRooted(path))
                {
                    path = Path.GetRelativePath(corpusRoot, path);
                }

                list.Add(new SearchHit(path.Replace('\\', '/'), start, end, score));
            }

            results = list;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private static int? ReadChunks(string report)
    {
        try
        {
            using var document = JsonDocument.Parse(report);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
            {
                root = root[0];
            }

            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("chunks", out var chunks) && chunks.TryGetInt32(out var n)
                ? n
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
