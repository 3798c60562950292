using Engram.Features.Hosting;
using Microsoft.Extensions.AI;

namespace Engram.Features.Inline;

/// <summary>A request for an inline (ghost-text) completion at one caret.</summary>
/// <param name="Path">Full path of the document (it need not be saved).</param>
/// <param name="Text">The document's current text.</param>
/// <param name="Offset">Caret as a UTF-16 offset into <paramref name="Text"/>.</param>
/// <param name="LanguageId">LSP language id, or null.</param>
/// <param name="MaxOutputTokens">Upper bound on generated tokens.</param>
public sealed record InlineCompletionRequest(string Path, string Text, int Offset, string? LanguageId = null, int MaxOutputTokens = 128);

/// <summary>An inline completion.</summary>
/// <param name="InsertText">Text to insert at the caret (may span lines); never empty.</param>
/// <param name="ReplaceStart">UTF-16 offset where the replaced range begins (usually the caret).</param>
/// <param name="ReplaceEnd">UTF-16 offset where it ends (the caret, or later when the model's text overlaps the suffix).</param>
/// <param name="Model">The model that answered, or null when the result was reused from an earlier one.</param>
/// <param name="ContextPaths">Workspace-relative paths of the engram chunks put into the prompt.</param>
/// <param name="Reused">True when the result came from an earlier suggestion the user is typing through.</param>
public sealed record InlineCompletionResult(string InsertText, int ReplaceStart, int ReplaceEnd, string? Model, IReadOnlyList<string> ContextPaths, bool Reused);

/// <summary>
/// Fill-in-the-middle completion through the router: prompt = prefix + suffix + the most relevant engram chunks from
/// other files, trimmed to the model's context window; results reused while the user types through a suggestion.
/// </summary>
/// <remarks>Thread-safe. Debouncing and cancellation of superseded requests are the host's job (pass the token).</remarks>
public sealed class InlineCompletionService
{
    /// <summary>Creates the service.</summary>
    /// <param name="client">Resolves the routed chat client for inline completion; returning null means no model is configured.</param>
    /// <param name="workspace">The engram memory used for cross-file context, or null for none.</param>
    public InlineCompletionService(Func<IChatClient?> client, EngramWorkspace? workspace) => throw new NotImplementedException();

    /// <summary>Returns a completion, or null when the model produced nothing usable.</summary>
    /// <exception cref="ModelUnavailableException">No model is configured for inline completion.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (e.g. superseded by a newer request).</exception>
    public Task<InlineCompletionResult?> CompleteAsync(InlineCompletionRequest request, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
