namespace Engram.Benchmarks.Quality;

/// <summary>The four corpora that BENCHMARKS.md fixes: two C# packages from NuGet, two JavaScript packages from npm.</summary>
internal static class CorpusCatalog
{
    /// <summary>All corpora, in report order.</summary>
    public static IReadOnlyList<CorpusSpec> All { get; } =
    [
        new("newtonsoft", "nuget", "Newtonsoft.Json", "13.0.4", []),
        new("nodatime", "nuget", "NodaTime", "3.3.7", []),
        new("ramda", "npm", "ramda", "0.32.0", ["src"]),
        new("underscore", "npm", "underscore", "1.13.8", ["modules"]),
    ];

    /// <summary>The names of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(c => c.Name).ToArray();

    /// <summary>Returns the spec called <paramref name="name"/> (case-insensitive); throws when there is none.</summary>
    public static CorpusSpec Get(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown corpus '{name}'", nameof(name));
}
