using System.Formats.Tar;
using System.IO.Compression;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// Fetches packages through the registries' own clients: <c>dotnet restore</c> of a throwaway project with a
/// <c>PackageDownload</c> for NuGet, <c>npm pack</c> for npm. Downloads stay in the work folder for reruns.
/// </summary>
internal static class PackageFetcher
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Returns the extracted package folder (the one holding <c>lib/</c>) of NuGet package <paramref name="id"/>
    /// <paramref name="version"/>, restoring it into <c>&lt;work&gt;/packages</c> unless it is there already.
    /// Throws <see cref="InvalidOperationException"/> with the restore output when the restore fails.
    /// </summary>
    public static async Task<string> FetchNuGetAsync(string id, string version, string workDirectory, CancellationToken cancellationToken)
    {
        var packages = Path.Combine(workDirectory, "packages");
        var folder = Path.Combine(packages, id.ToLowerInvariant(), version.ToLowerInvariant());
        if (File.Exists(Path.Combine(folder, ".nupkg.metadata")))
        {
            return folder;
        }

        // Empty Directory.* files stop MSBuild from importing the repository's props (central versions,
        // warnings as errors) into the throwaway project, which sits below the repository root.
        var project = Path.Combine(workDirectory, "restore", $"{id}.{version}");
        Directory.CreateDirectory(project);
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            await File.WriteAllTextAsync(Path.Combine(project, name), "<Project />\n", cancellationToken);
        }

        await File.WriteAllTextAsync(Path.Combine(project, "fetch.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <PackageDownload Include="{id}" Version="[{version}]" />
              </ItemGroup>
            </Project>
            """, cancellationToken);
        var result = await ProcessRunner.RunAsync(
            "dotnet",
            ["restore", "fetch.csproj", "--packages", packages, "-nologo", "-v", "q"],
            project,
            s_timeout,
            cancellationToken);
        if (result.ExitCode != 0 || !Directory.Exists(folder))
        {
            throw new InvalidOperationException($"dotnet restore of {id} {version} failed: {result.Tail()}");
        }

        return folder;
    }

    /// <summary>
    /// Returns the extracted <c>package/</c> folder of npm package <paramref name="name"/>@<paramref name="version"/>,
    /// running <c>npm pack</c> into <c>&lt;work&gt;/npm</c> and extracting the tarball unless that was done before.
    /// Throws <see cref="InvalidOperationException"/> when npm fails.
    /// </summary>
    public static async Task<string> FetchNpmAsync(string name, string version, string workDirectory, CancellationToken cancellationToken)
    {
        var npm = Path.Combine(workDirectory, "npm");
        var extracted = Path.Combine(npm, $"{name}-{version}");
        var packageFolder = Path.Combine(extracted, "package");
        if (File.Exists(Path.Combine(packageFolder, "package.json")))
        {
            return packageFolder;
        }

        Directory.CreateDirectory(npm);
        var tarball = Path.Combine(npm, $"{name}-{version}.tgz");
        if (!File.Exists(tarball))
        {
            var result = await ProcessRunner.RunAsync(
                "npm",
                ["pack", $"{name}@{version}", "--pack-destination", npm, "--silent"],
                npm,
                s_timeout,
                cancellationToken);
            if (result.ExitCode != 0 || !File.Exists(tarball))
            {
                throw new InvalidOperationException($"npm pack {name}@{version} failed: {result.Tail()}");
            }
        }

        if (Directory.Exists(extracted))
        {
            Directory.Delete(extracted, recursive: true);
        }

        Directory.CreateDirectory(extracted);
        await using (var file = File.OpenRead(tarball))
        await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        {
            await TarFile.ExtractToDirectoryAsync(gzip, extracted, overwriteFiles: true, cancellationToken);
        }

        return packageFolder;
    }
}
