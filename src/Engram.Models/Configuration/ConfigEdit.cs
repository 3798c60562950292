using System.Text.Json.Nodes;

namespace Engram.Models.Configuration;

/// <summary>One change to an <c>engram.json</c> file: set the member at <paramref name="PropertyPath"/> to <paramref name="Value"/>.</summary>
/// <param name="PropertyPath">Member names from the root object, e.g. <c>["trustedFolders"]</c> or <c>["routes", "inline", "preferred"]</c>; objects missing on the way are created.</param>
/// <param name="Value">The new value (written as JSON).</param>
public sealed record ConfigEdit(IReadOnlyList<string> PropertyPath, JsonNode Value);
