using System.Xml.Linq;

namespace Engram.Architecture.Tests;

/// <summary>
/// The allowed arrows between Engram's projects and the packages only one project may know.
/// Feature code never references a host; only the LSP host knows LSP; only the MCP host knows MCP;
/// only the executable composes the hosts.
/// </summary>
public static class DependencyRules
{
    public static readonly IReadOnlyDictionary<string, string[]> AllowedProjectReferences = new Dictionary<string, string[]>
    {
        // How Engram reads a file on a workspace's behalf (path rules, safe read): below everything, above nothing.
        ["Engram.Files"] = [],
        ["Engram.Core"] = ["Engram.Files"],
        ["Engram.Models"] = ["Engram.Files"],
        ["Engram.Features"] = ["Engram.Core", "Engram.Models", "Engram.Files"],
        ["Engram.LanguageServer"] = ["Engram.Features", "Engram.Core", "Engram.Models", "Engram.Files"],
        ["Engram.Mcp"] = ["Engram.Features", "Engram.Core", "Engram.Models", "Engram.Files"],
        ["Engram.Cli"] = ["Engram.LanguageServer", "Engram.Mcp", "Engram.Features", "Engram.Core", "Engram.Models", "Engram.Files"],
    };

    /// <summary>Package name prefixes that only the named project may reference.</summary>
    public static readonly IReadOnlyDictionary<string, string> PackageOwners = new Dictionary<string, string>
    {
        ["StreamJsonRpc"] = "Engram.LanguageServer",
        ["Microsoft.VisualStudio.LanguageServer"] = "Engram.LanguageServer",
        ["OmniSharp.Extensions.LanguageServer"] = "Engram.LanguageServer",
        ["ModelContextProtocol"] = "Engram.Mcp",
        ["System.CommandLine"] = "Engram.Cli",
        ["Spectre.Console"] = "Engram.Cli",
    };

    /// <summary>A project file's name, project references and package references.</summary>
    public sealed record ProjectInfo(string Name, IReadOnlyList<string> ProjectReferences, IReadOnlyList<string> Packages);

    public static ProjectInfo Read(string csprojPath)
    {
        var document = XDocument.Load(csprojPath);
        var references = document.Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(((string?)e.Attribute("Include") ?? "").Replace('\\', '/')))
            .ToList();
        var packages = document.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include") ?? "").ToList();
        return new ProjectInfo(Path.GetFileNameWithoutExtension(csprojPath), references, packages);
    }

    /// <summary>Every violation of the rules by <paramref name="projects"/>, as sentences; empty when all arrows point the right way.</summary>
    public static List<string> Violations(IEnumerable<ProjectInfo> projects)
    {
        var violations = new List<string>();
        foreach (var project in projects)
        {
            if (!AllowedProjectReferences.TryGetValue(project.Name, out var allowed))
            {
                violations.Add($"{project.Name} is not in the dependency table: add it to DependencyRules and ARCHITECTURE.md.");
                continue;
            }

            foreach (var reference in project.ProjectReferences.Where(r => !allowed.Contains(r)))
            {
                violations.Add($"{project.Name} must not reference {reference}.");
            }

            foreach (var package in project.Packages)
            {
                foreach (var (prefix, owner) in PackageOwners)
                {
                    if (package.StartsWith(prefix, StringComparison.Ordinal) && owner != project.Name)
                    {
                        violations.Add($"{project.Name} must not reference package {package}: only {owner} may.");
                    }
                }
            }
        }

        return violations;
    }
}
