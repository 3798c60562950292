using Engram.Mcp.Hosting;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Prompts;

/// <summary>
/// <c>completion/complete</c>: mode names (resource <c>engram://modes/{name}</c>), dialogue ids
/// (<c>engram://dialogues/{id}</c>), workspace file paths (prompt argument <c>paths</c> of <c>review</c>) and depth values.
/// </summary>
public static class EngramCompletions
{
    /// <summary>Most values returned (the MCP limit).</summary>
    public const int MaxValues = 100;

    /// <summary>Handles <c>completion/complete</c>; unknown references or arguments get an empty completion.</summary>
    public static ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> context, CancellationToken cancellationToken)
    {
        var services = EngramPrompts.Services(context.Server);
        var argument = context.Params?.Argument;
        var value = argument?.Value ?? "";
        IEnumerable<string> candidates = [];
        switch (context.Params?.Ref)
        {
            case ResourceTemplateReference { Uri: "engram://modes/{name}" } when argument?.Name == "name":
                candidates = services.Modes.List().Select(m => m.Name);
                break;
            case ResourceTemplateReference { Uri: "engram://dialogues/{id}" } when argument?.Name == "id":
                candidates = DialogueIds(services);
                break;
            case PromptReference { Name: "review" } when argument?.Name == "paths":
                // Complete the last comma-separated element.
                var comma = value.LastIndexOf(',');
                var head = comma < 0 ? "" : value[..(comma + 1)];
                var element = value[(comma + 1)..].TrimStart();
                candidates = Paths(services, element).Where(p => p.StartsWith(element, StringComparison.OrdinalIgnoreCase)).Select(p => head + p);
                value = "";
                break;
            case PromptReference { Name: "research" } when argument?.Name == "depth":
                candidates = ["1", "2", "3", "4", "5"];
                break;
        }

        var matches = candidates.Where(c => c.StartsWith(value, StringComparison.OrdinalIgnoreCase)).Distinct().ToList();
        return ValueTask.FromResult(new CompleteResult
        {
            Completion = new Completion
            {
                Values = matches.Take(MaxValues).ToList(),
                Total = matches.Count,
                HasMore = matches.Count > MaxValues,
            },
        });
    }

    private static IEnumerable<string> DialogueIds(EngramMcpServices services)
    {
        try
        {
            return services.Dialogues.List().Select(d => d.Id).ToList();
        }
        catch (Exception ex) when (ex is NotImplementedException or Engram.Features.Hosting.ModelUnavailableException or InvalidOperationException or IOException)
        {
            return [];
        }
    }

    /// <summary>Entries of the folder named by <paramref name="prefix"/> (relative, forward slashes) in every root; folders end in <c>/</c>.</summary>
    internal static IEnumerable<string> Paths(EngramMcpServices services, string prefix)
    {
        var slash = prefix.Replace('\\', '/').LastIndexOf('/');
        var folder = slash < 0 ? "" : prefix[..(slash + 1)];
        if (folder.Split('/').Any(s => s is ".." or ".git"))
        {
            return [];
        }

        var results = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var root in services.Workspace.Roots)
        {
            GuardedFolder(services, root, folder, results);
        }

        return results;
    }

    private static void GuardedFolder(EngramMcpServices services, string root, string folder, SortedSet<string> results)
    {
        string full;
        try
        {
            full = folder.Length == 0 ? root : services.Guard.Resolve(Path.Combine(root, folder)).FullPath;
        }
        catch (ArgumentException)
        {
            return;
        }

        if (!Directory.Exists(full))
        {
            return;
        }

        try
        {
            foreach (var entry in new DirectoryInfo(full).EnumerateFileSystemInfos())
            {
                if (entry.Name == ".git" || results.Count > 10 * MaxValues)
                {
                    continue;
                }

                results.Add(folder + entry.Name + (entry is DirectoryInfo ? "/" : ""));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An unreadable folder completes to nothing.
        }
    }
}
