using System.Text.Json;

namespace Engram.LanguageServer.Protocol;

internal static class MessageType
{
    public const int Error = 1;
    public const int Warning = 2;
    public const int Info = 3;
    public const int Log = 4;
    public const int Debug = 5;
}

internal sealed record LogMessageParams(int Type, string Message);

internal sealed record ShowMessageParams(int Type, string Message);

internal sealed record ShowDocumentParams(string Uri, bool? External = null, bool? TakeFocus = null, Range? Selection = null);

internal sealed record ShowDocumentResult(bool Success);

internal sealed record WorkDoneProgressCreateParams(string Token);

internal sealed record ProgressParams(string Token, object Value);

internal sealed record WorkDoneProgressBegin(string Title, string? Message = null, int? Percentage = null, bool Cancellable = false)
{
    public string Kind => "begin";
}

internal sealed record WorkDoneProgressReport(string? Message = null, int? Percentage = null)
{
    public string Kind => "report";
}

internal sealed record WorkDoneProgressEnd(string? Message = null)
{
    public string Kind => "end";
}

internal sealed record ConfigurationItem(string? ScopeUri, string? Section);

internal sealed record ConfigurationParams(IReadOnlyList<ConfigurationItem> Items);

internal sealed record DidChangeConfigurationParams(JsonElement? Settings);

internal sealed record WorkspaceFoldersChangeEvent(IReadOnlyList<WorkspaceFolder> Added, IReadOnlyList<WorkspaceFolder> Removed);

internal sealed record DidChangeWorkspaceFoldersParams(WorkspaceFoldersChangeEvent Event);

internal static class FileChangeType
{
    public const int Created = 1;
    public const int Changed = 2;
    public const int Deleted = 3;
}

internal sealed record FileEvent(string Uri, int Type);

internal sealed record DidChangeWatchedFilesParams(IReadOnlyList<FileEvent> Changes);

internal sealed record FileSystemWatcher(string GlobPattern, int? Kind = null);

internal sealed record DidChangeWatchedFilesRegistrationOptions(IReadOnlyList<FileSystemWatcher> Watchers);

internal sealed record ExecuteCommandParams(string Command, IReadOnlyList<JsonElement>? Arguments);

internal sealed record ApplyWorkspaceEditParams(WorkspaceEdit Edit, string? Label = null);

internal sealed record ApplyWorkspaceEditResult(bool Applied, string? FailureReason = null);
