using System.Xml;
using System.Xml.Linq;

namespace Engram.Core.Graph;

/// <summary>
/// What the code graph reads from a <c>.csproj</c>: its folder, project references, and whether implicit usings are on.
/// The file is parsed as XML only; MSBuild is never evaluated (no targets, imports, analyzers or generators run).
/// </summary>
/// <param name="Path">Root-relative path of the project file.</param>
/// <param name="Folder">Root-relative folder of the project ("" at the root); its C# files are those under it that no
/// nested project claims (the SDK's default <c>Compile</c> glob).</param>
/// <param name="ProjectReferences">Root-relative paths of referenced projects inside the root.</param>
/// <param name="ImplicitUsings">True when <c>&lt;ImplicitUsings&gt;</c> is <c>enable</c> or <c>true</c>.</param>
public sealed record CSharpProject(string Path, string Folder, IReadOnlyList<string> ProjectReferences, bool ImplicitUsings)
{
    /// <summary>Reads a project file's text; malformed XML gives a project with no references.</summary>
    public static CSharpProject Parse(string path, string text)
    {
        var folder = path.Contains('/', StringComparison.Ordinal) ? path[..path.LastIndexOf('/')] : "";
        var references = new List<string>();
        var implicitUsings = false;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
            using var reader = XmlReader.Create(new StringReader(text), settings);
            var document = XDocument.Load(reader);
            foreach (var element in document.Descendants())
            {
                if (element.Name.LocalName == "ProjectReference" && element.Attribute("Include")?.Value is { } include)
                {
                    if (Normalize(folder, include) is { } normalized)
                    {
                        references.Add(normalized);
                    }
                }
                else if (element.Name.LocalName == "ImplicitUsings")
                {
                    implicitUsings = element.Value.Trim() is "enable" or "true";
                }
            }
        }
        catch (XmlException)
        {
            // A broken project file still defines a folder of sources; it just references nothing.
        }

        return new CSharpProject(path, folder, references, implicitUsings);
    }

    // Resolves a relative include against the project folder; null when it leaves the root or uses MSBuild properties.
    private static string? Normalize(string folder, string include)
    {
        if (include.Contains("$(", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = new List<string>(folder.Length == 0 ? [] : folder.Split('/'));
        foreach (var part in include.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }
}
