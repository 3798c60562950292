using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;

namespace Engram.Core.Graph;

/// <summary>
/// The framework reference assemblies C# compilations bind against: the SDK's <c>Microsoft.NETCore.App.Ref</c> pack
/// next to the running runtime (<c>dotnet/packs/Microsoft.NETCore.App.Ref/&lt;version&gt;/ref/net*/</c>), or the running
/// runtime's own assemblies when no SDK pack is installed.
/// </summary>
/// <remarks>Loaded once per process and shared by every compilation (metadata references are immutable).</remarks>
public static class ReferenceAssemblies
{
    private static readonly Lazy<IReadOnlyList<MetadataReference>> s_references = new(Load);

    /// <summary>The framework references (never empty: falls back to the runtime directory).</summary>
    public static IReadOnlyList<MetadataReference> Framework => s_references.Value;

    /// <summary>The folder the references were read from.</summary>
    public static string Source { get; private set; } = "";

    private static IReadOnlyList<MetadataReference> Load()
    {
        var runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        var folder = FindPack(runtimeDirectory) ?? runtimeDirectory;
        Source = folder;
        var references = new List<MetadataReference>();
        foreach (var dll in Directory.EnumerateFiles(folder, "*.dll").Order(StringComparer.Ordinal))
        {
            try
            {
                references.Add(MetadataReference.CreateFromFile(dll));
            }
            catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException)
            {
                // Native or unreadable files in the runtime folder are not references.
            }
        }

        return references;
    }

    // runtime: <dotnet>/shared/Microsoft.NETCore.App/<version>; pack: <dotnet>/packs/Microsoft.NETCore.App.Ref/<version>/ref/net<major>.<minor>.
    private static string? FindPack(string runtimeDirectory)
    {
        var version = Path.GetFileName(runtimeDirectory);
        var dotnetRoot = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtimeDirectory)));
        if (dotnetRoot is null)
        {
            return null;
        }

        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        if (!Directory.Exists(packs))
        {
            return null;
        }

        var candidates = Directory.EnumerateDirectories(packs)
            .Select(d => (Dir: d, Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : null))
            .Where(c => c.Version is not null)
            .OrderByDescending(c => Path.GetFileName(c.Dir) == version)
            .ThenByDescending(c => c.Version)
            .Select(c => c.Dir);
        foreach (var candidate in candidates)
        {
            var refFolder = Path.Combine(candidate, "ref");
            if (Directory.Exists(refFolder) && Directory.EnumerateDirectories(refFolder).OrderDescending(StringComparer.Ordinal).FirstOrDefault() is { } tfm)
            {
                return tfm;
            }
        }

        return null;
    }
}
