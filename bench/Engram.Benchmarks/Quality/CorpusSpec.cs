namespace Engram.Benchmarks.Quality;

/// <summary>Where a corpus comes from.</summary>
/// <param name="Name">Short name used on the command line and in reports.</param>
/// <param name="Registry"><c>nuget</c> or <c>npm</c>.</param>
/// <param name="PackageId">The package id as the registry spells it.</param>
/// <param name="Version">The exact version.</param>
/// <param name="SourceFolders">
/// npm only: folders inside the package whose <c>*.js</c> files (recursively) form the corpus. NuGet: unused.
/// </param>
internal sealed record CorpusSpec(string Name, string Registry, string PackageId, string Version, IReadOnlyList<string> SourceFolders);
