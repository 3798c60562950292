using System.Text.Json;

namespace Engram.LanguageServer.Protocol;

internal sealed record ClientInfo(string Name, string? Version = null);

internal sealed record InitializeParams
{
    public int? ProcessId { get; init; }

    public ClientInfo? ClientInfo { get; init; }

    public string? Locale { get; init; }

    public string? RootPath { get; init; }

    public string? RootUri { get; init; }

    public JsonElement? InitializationOptions { get; init; }

    public ClientCapabilities? Capabilities { get; init; }

    public string? Trace { get; init; }

    public IReadOnlyList<WorkspaceFolder>? WorkspaceFolders { get; init; }
}

/// <summary>The parts of the client's capabilities this server reads; the rest is ignored.</summary>
internal sealed record ClientCapabilities
{
    public WorkspaceClientCapabilities? Workspace { get; init; }

    public TextDocumentClientCapabilities? TextDocument { get; init; }

    public WindowClientCapabilities? Window { get; init; }

    public GeneralClientCapabilities? General { get; init; }
}

internal sealed record GeneralClientCapabilities
{
    public IReadOnlyList<string>? PositionEncodings { get; init; }
}

internal sealed record DynamicRegistrationCapability
{
    public bool? DynamicRegistration { get; init; }
}

internal sealed record WorkspaceEditClientCapabilities
{
    public bool? DocumentChanges { get; init; }
}

internal sealed record WorkspaceClientCapabilities
{
    public bool? ApplyEdit { get; init; }

    public WorkspaceEditClientCapabilities? WorkspaceEdit { get; init; }

    public DynamicRegistrationCapability? DidChangeWatchedFiles { get; init; }

    public DynamicRegistrationCapability? DidChangeConfiguration { get; init; }

    public bool? WorkspaceFolders { get; init; }

    public bool? Configuration { get; init; }
}

internal sealed record TextDocumentClientCapabilities
{
    public JsonElement? Completion { get; init; }

    public DynamicRegistrationCapability? InlineCompletion { get; init; }
}

internal sealed record ShowDocumentClientCapabilities(bool Support);

internal sealed record WindowClientCapabilities
{
    public bool? WorkDoneProgress { get; init; }

    public ShowDocumentClientCapabilities? ShowDocument { get; init; }
}

internal sealed record ServerInfo(string Name, string? Version);

internal sealed record InitializeResult(ServerCapabilities Capabilities, ServerInfo ServerInfo);

internal sealed record SaveOptions(bool IncludeText);

internal static class TextDocumentSyncKind
{
    public const int None = 0;
    public const int Full = 1;
    public const int Incremental = 2;
}

internal sealed record TextDocumentSyncOptions(bool OpenClose, int Change, SaveOptions Save);

internal sealed record CompletionOptions(IReadOnlyList<string> TriggerCharacters, bool ResolveProvider);

internal sealed record CodeActionOptions(IReadOnlyList<string> CodeActionKinds, bool ResolveProvider);

internal sealed record ExecuteCommandOptions(IReadOnlyList<string> Commands);

internal sealed record WorkspaceFoldersServerCapabilities(bool Supported, bool ChangeNotifications);

internal sealed record WorkspaceServerCapabilities(WorkspaceFoldersServerCapabilities WorkspaceFolders);

internal sealed record ServerCapabilities
{
    public required string PositionEncoding { get; init; }

    public required TextDocumentSyncOptions TextDocumentSync { get; init; }

    public CompletionOptions? CompletionProvider { get; init; }

    public bool HoverProvider { get; init; }

    public CodeActionOptions? CodeActionProvider { get; init; }

    public ExecuteCommandOptions? ExecuteCommandProvider { get; init; }

    /// <summary>LSP 3.18 <c>inlineCompletionProvider</c>.</summary>
    public bool InlineCompletionProvider { get; init; }

    public WorkspaceServerCapabilities? Workspace { get; init; }
}

internal sealed record SetTraceParams(string Value);

internal sealed record LogTraceParams(string Message, string? Verbose = null);

internal sealed record Registration(string Id, string Method, object? RegisterOptions);

internal sealed record RegistrationParams(IReadOnlyList<Registration> Registrations);
