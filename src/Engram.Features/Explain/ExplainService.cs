using Engram.Core.Search;
using Engram.Features.Hosting;
using Microsoft.Extensions.AI;

namespace Engram.Features.Explain;

/// <summary>An explanation of a piece of code.</summary>
/// <param name="Markdown">The explanation as Markdown (with a "Related code" list of <c>path:start-end</c> links).</param>
/// <param name="Related">The engram chunks elsewhere in the workspace that were given to the model as context.</param>
/// <param name="Model">The model that answered.</param>
public sealed record ExplainResult(string Markdown, IReadOnlyList<SearchHit> Related, string? Model);

/// <summary>Explains a range of code through the router, with related engram chunks from other files as context.</summary>
public sealed class ExplainService
{
    /// <summary>Creates the service over <paramref name="workspace"/> (null: no cross-file context).</summary>
    public ExplainService(EngramWorkspace? workspace) => throw new NotImplementedException();

    /// <summary>Explains lines <paramref name="startLine"/>..<paramref name="endLine"/> (1-based inclusive) of a document.</summary>
    /// <param name="path">Full path of the document.</param>
    /// <param name="text">Its current text.</param>
    /// <param name="startLine">1-based inclusive.</param>
    /// <param name="endLine">1-based inclusive.</param>
    /// <param name="client">The routed chat client for code actions.</param>
    /// <param name="cancellationToken">Cancels the model call.</param>
    public Task<ExplainResult> ExplainAsync(string path, string text, int startLine, int endLine, IChatClient client, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
