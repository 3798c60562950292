using System.Text.Json;

namespace Engram.Cli.Tests;

/// <summary>The CLI contract other tools and benchmarks rely on, exercised through the real executable.</summary>
public sealed class CliContractTests : IClassFixture<CliContractTests.IndexedWorkspace>
{
    private readonly IndexedWorkspace _workspace;

    public CliContractTests(IndexedWorkspace workspace) => _workspace = workspace;

    [Fact]
    public void IndexReportsJsonSummary()
    {
        using var report = JsonDocument.Parse(_workspace.IndexOutput);
        var root = report.RootElement;
        Assert.Equal("full", root.GetProperty("mode").GetString());
        Assert.Equal(3, root.GetProperty("files").GetInt32());
        Assert.True(root.GetProperty("chunks").GetInt32() >= 6);
        Assert.Equal(_workspace.Commit, root.GetProperty("indexedCommit").GetString());
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
    }

    [Fact]
    public async Task SearchJsonHasTheContractFields()
    {
        var result = await EngramProcess.RunAsync("search", "--path", _workspace.Workspace.Root, "--index-dir", _workspace.Workspace.IndexDirectory, "--top", "3", "--json", "convert a temperature from celsius to fahrenheit");
        Assert.Equal(0, result.ExitCode);
        using var hits = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(3, hits.RootElement.GetArrayLength());
        var first = hits.RootElement[0];
        Assert.Equal("src/Units/Temperature.cs", first.GetProperty("path").GetString());
        Assert.Equal("ToFahrenheit", first.GetProperty("symbol").GetString());
        Assert.Equal("method", first.GetProperty("kind").GetString());
        Assert.Equal(6, first.GetProperty("startLine").GetInt32()); // The doc comment belongs to the chunk.
        Assert.Equal(10, first.GetProperty("endLine").GetInt32());
        Assert.InRange(first.GetProperty("score").GetDouble(), 0, 1);
        Assert.Contains("ToFahrenheit", first.GetProperty("snippet").GetString(), StringComparison.Ordinal);
        Assert.Equal(_workspace.Commit, first.GetProperty("indexedCommit").GetString());
        Assert.False(first.GetProperty("stale").GetBoolean());
        var scores = hits.RootElement.EnumerateArray().Select(h => h.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
    }

    [Fact]
    public async Task BatchQueriesGiveOneLinePerQueryInOrder()
    {
        var file = Path.Combine(_workspace.Workspace.IndexDirectory, "queries.jsonl");
        File.WriteAllLines(file, ["{\"id\": \"q1\", \"query\": \"celsius to fahrenheit\"}", "", "{\"id\": 2, \"query\": \"open a socket to a host\"}"]);
        var result = await EngramProcess.RunAsync("search", "--path", _workspace.Workspace.Root, "--index-dir", _workspace.Workspace.IndexDirectory, "--queries", file, "--top", "2", "--json");
        Assert.Equal(0, result.ExitCode);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("q1", first.RootElement.GetProperty("id").GetString());
        Assert.Equal(2, second.RootElement.GetProperty("id").GetInt32());
        Assert.Equal("src/Units/Temperature.cs", first.RootElement.GetProperty("results")[0].GetProperty("path").GetString());
        Assert.Equal("scripts/net.py", second.RootElement.GetProperty("results")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task MalformedJsonlLineIsNamedAndNothingIsWritten()
    {
        var file = Path.Combine(_workspace.Workspace.IndexDirectory, "bad.jsonl");
        File.WriteAllLines(file, ["{\"id\": 1, \"query\": \"celsius\"}", "{\"id\": 2, \"query\": "]);
        var result = await EngramProcess.RunAsync("search", "--path", _workspace.Workspace.Root, "--index-dir", _workspace.Workspace.IndexDirectory, "--queries", file, "--json");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bad.jsonl:2", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
    }

    [Fact]
    public async Task EmptyQueryIsBadInput()
    {
        var result = await EngramProcess.RunAsync("search", "--path", _workspace.Workspace.Root, "--index-dir", _workspace.Workspace.IndexDirectory, "  ");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("query is empty", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
    }

    [Fact]
    public async Task MissingPathIsBadInput()
    {
        var missing = Path.Combine(Path.GetTempPath(), "engram-missing-" + Guid.NewGuid().ToString("n"));
        var result = await EngramProcess.RunAsync("index", missing, "--json");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(missing, result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
    }

    [Fact]
    public async Task SearchWithoutIndexFailsClearly()
    {
        using var empty = new TempWorkspace();
        var result = await EngramProcess.RunAsync("search", "--path", empty.Root, "--index-dir", empty.IndexDirectory, "anything");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("engram index", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorruptDatabaseFailsAndIsLeftUntouched()
    {
        using var workspace = new TempWorkspace();
        workspace.Write("a.md", "# A\n\ntext\n");
        Directory.CreateDirectory(workspace.IndexDirectory);
        var database = Path.Combine(workspace.IndexDirectory, "engram.db");
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(database, garbage);

        var result = await EngramProcess.RunAsync("index", workspace.Root, "--index-dir", workspace.IndexDirectory, "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(database, result.StandardError, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(database));
    }

    [Fact]
    public async Task KindFilterKeepsOnlyThatKind()
    {
        var result = await EngramProcess.RunAsync("search", "--path", _workspace.Workspace.Root, "--index-dir", _workspace.Workspace.IndexDirectory, "--kind", "section", "--json", "temperature");
        Assert.Equal(0, result.ExitCode);
        using var hits = JsonDocument.Parse(result.StandardOutput);
        Assert.NotEmpty(hits.RootElement.EnumerateArray());
        Assert.All(hits.RootElement.EnumerateArray(), h => Assert.Equal("section", h.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task SeveralRootsGetOneStoreEachInTheCacheAndOneRanking()
    {
        using var second = new TempWorkspace(git: false);
        second.Write("geo/Distance.cs", "namespace Geo;\n\n/// <summary>Great-circle distance between two coordinates in kilometres.</summary>\npublic static class Distance\n{\n    public static double Haversine(double lat1, double lon1, double lat2, double lon2) => 0;\n}\n");
        var cache = Path.Combine(second.IndexDirectory, "cache");
        var environment = new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cache };

        var index = await EngramProcess.RunAsync(environment, "index", _workspace.Workspace.Root, second.Root, "--json");
        Assert.True(index.ExitCode == 0, index.StandardError);
        using (var reports = JsonDocument.Parse(index.StandardOutput))
        {
            Assert.Equal(2, reports.RootElement.GetArrayLength());
        }

        Assert.Equal(2, Directory.GetDirectories(Path.Combine(cache, "engram", "indexes")).Length);
        var search = await EngramProcess.RunAsync(environment, "search", "--path", _workspace.Workspace.Root, "--path", second.Root, "--json", "great-circle distance between coordinates");
        Assert.True(search.ExitCode == 0, search.StandardError);
        using var hits = JsonDocument.Parse(search.StandardOutput);
        Assert.Equal(second.Root, hits.RootElement[0].GetProperty("root").GetString());
        Assert.Equal("geo/Distance.cs", hits.RootElement[0].GetProperty("path").GetString());
        Assert.Contains(hits.RootElement.EnumerateArray(), h => h.GetProperty("root").GetString() == _workspace.Workspace.Root);
    }

    [Fact]
    public async Task StatusReportsIndexAndStaleness()
    {
        var result = await EngramProcess.RunAsync("status", _workspace.Workspace.Root, "--index-dir", _workspace.Workspace.IndexDirectory, "--json");
        Assert.Equal(0, result.ExitCode);
        using var status = JsonDocument.Parse(result.StandardOutput);
        var root = status.RootElement;
        Assert.Equal(_workspace.Commit, root.GetProperty("indexedCommit").GetString());
        Assert.Equal(_workspace.Commit, root.GetProperty("head").GetString());
        Assert.False(root.GetProperty("stale").GetBoolean());
        Assert.Equal(3, root.GetProperty("files").GetInt32());
        Assert.True(root.GetProperty("databaseBytes").GetInt64() > 0);
        Assert.EndsWith("engram.db", root.GetProperty("database").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsNeverReachStdoutInJsonMode()
    {
        var result = await EngramProcess.RunAsync("index", _workspace.Workspace.Root, "--index-dir", _workspace.Workspace.IndexDirectory, "--json", "--verbose");
        Assert.Equal(0, result.ExitCode);
        using var document = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal("git", document.RootElement.GetProperty("mode").GetString());
    }

    /// <summary>One indexed workspace shared by the contract tests.</summary>
    public sealed class IndexedWorkspace : IAsyncLifetime
    {
        public TempWorkspace Workspace { get; } = new();

        public string IndexOutput { get; private set; } = "";

        public string Commit { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Workspace.Write("src/Units/Temperature.cs", """
                namespace Units;

                /// <summary>Temperature conversions.</summary>
                public static class Temperature
                {
                    /// <summary>Converts degrees Celsius to degrees Fahrenheit.</summary>
                    public static double ToFahrenheit(double celsius)
                    {
                        return celsius * 9 / 5 + 32;
                    }

                    /// <summary>Converts degrees Fahrenheit to degrees Celsius.</summary>
                    public static double ToCelsius(double fahrenheit)
                    {
                        return (fahrenheit - 32) * 5 / 9;
                    }
                }
                """);
            Workspace.Write("scripts/net.py", "import socket\n\n\ndef open_socket(host, port):\n    \"\"\"Open a TCP connection to host:port.\"\"\"\n    return socket.create_connection((host, port), timeout=5)\n");
            Workspace.Write("README.md", "# Units\n\nConversions between units.\n\n## Temperature\n\nCelsius and Fahrenheit.\n");
            Commit = Workspace.Commit();
            var result = await EngramProcess.RunAsync("index", Workspace.Root, "--index-dir", Workspace.IndexDirectory, "--json");
            Assert.True(result.ExitCode == 0, result.StandardError);
            IndexOutput = result.StandardOutput;
        }

        public Task DisposeAsync()
        {
            Workspace.Dispose();
            return Task.CompletedTask;
        }
    }
}
