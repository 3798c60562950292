using System.ComponentModel;
using System.Text.Json;
using Engram.Files;
using Engram.Mcp.Hosting;
using Engram.Mcp.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Resources;

/// <summary>Resources: <c>engram://index/status</c>, <c>engram://modes/{name}</c>, <c>engram://dialogues/{id}</c>.</summary>
[McpServerResourceType]
public static class EngramResources
{
    /// <summary>The index status of every root as JSON.</summary>
    [McpServerResource(UriTemplate = "engram://index/status", Name = "index-status", Title = "Engram index status", MimeType = "application/json")]
    [Description("The engram index of every workspace root: built or not, chunks, indexed commit, last update, errors.")]
    public static string IndexStatus(EngramMcpServices services) =>
        JsonSerializer.Serialize(WorkspaceTools.StatusJson(services), ToolResults.Json);

    /// <summary>A dialogue mode file.</summary>
    [McpServerResource(UriTemplate = "engram://modes/{name}", Name = "mode", Title = "Dialogue mode", MimeType = "application/json")]
    [Description("The JSON definition of a dialogue mode (modes/*.json): turns, phases, participants and prompts.")]
    public static string Mode(EngramMcpServices services, [Description("Mode name, e.g. debate.")] string name)
    {
        var mode = services.Modes.Find(name)
            ?? throw new McpProtocolException($"No mode named '{name}'. Known modes: {string.Join(", ", services.Modes.List().Select(m => m.Name))}.", McpErrorCode.ResourceNotFound);
        try
        {
            // The catalogue skipped modes that break the workspace's path rules; this read checks the file again.
            return WorkspaceFile.ReadAllText(mode.Path, WorkspaceFile.WorkspaceRootOf(mode.Path), WorkspaceFile.MaxConfigBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new McpProtocolException($"Mode '{name}' cannot be read: {ex.Message}", McpErrorCode.ResourceNotFound);
        }
    }

    /// <summary>A dialogue transcript.</summary>
    [McpServerResource(UriTemplate = "engram://dialogues/{id}", Name = "dialogue", Title = "Dialogue transcript", MimeType = "text/markdown")]
    [Description("The Markdown transcript of a stored dialogue (ids from dialogue_list).")]
    public static string Dialogue(EngramMcpServices services, [Description("Dialogue id.")] string id)
    {
        try
        {
            return services.Dialogues.Export(id, "markdown");
        }
        catch (KeyNotFoundException)
        {
            throw new McpProtocolException($"No dialogue has id '{id}'.", McpErrorCode.ResourceNotFound);
        }
        catch (NotImplementedException)
        {
            throw new McpProtocolException("Dialogues are not available in this build of Engram yet.", McpErrorCode.InternalError);
        }
        catch (Engram.Features.Hosting.ModelUnavailableException ex)
        {
            throw new McpProtocolException(ex.Message, McpErrorCode.InternalError);
        }
    }
}
