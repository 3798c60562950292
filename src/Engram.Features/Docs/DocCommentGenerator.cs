using Microsoft.Extensions.AI;

namespace Engram.Features.Docs;

/// <summary>A documentation comment to insert above a declaration.</summary>
/// <param name="InsertLine">0-based line before which <see cref="Text"/> is inserted (at column 0).</param>
/// <param name="Indentation">The declaration's leading whitespace, already applied to every line of <see cref="Text"/>.</param>
/// <param name="Text">The whole comment block, one or more lines each ending in <c>\n</c> (for Python: the docstring
/// lines inserted after the <c>def</c> line, so <see cref="InsertLine"/> is the line after it).</param>
/// <param name="Convention"><c>xmldoc</c> (C#), <c>jsdoc</c>, <c>python-docstring</c>, <c>rustdoc</c>, <c>godoc</c>, or <c>line-comment</c>.</param>
/// <param name="Symbol">Name of the documented member, or null when none was found at the caret.</param>
/// <param name="Declaration">Source text of the documented declaration (for the model prompt).</param>
public sealed record DocComment(int InsertLine, string Indentation, string Text, string Convention, string? Symbol, string Declaration);

/// <summary>The result of documentation generation.</summary>
/// <param name="Comment">The comment to insert.</param>
/// <param name="UsedModel">True when a model wrote the prose; false when only the skeleton was produced.</param>
/// <param name="Model">Name of the model that answered, or null.</param>
public sealed record DocResult(DocComment Comment, bool UsedModel, string? Model);

/// <summary>
/// Documentation comments for the declaration at a caret. For C#, Roslyn finds the member and builds the XML doc
/// skeleton (summary, typeparam, param, returns, exception for each thrown type) at the member's indentation; other
/// languages get their own convention (JSDoc, Python docstring, Rust <c>///</c>, Go comment). A model, when given,
/// writes the prose into the skeleton.
/// </summary>
public sealed class DocCommentGenerator
{
    /// <summary>
    /// The skeleton for the declaration enclosing (or starting on) the caret, or null when there is none or it
    /// already has a documentation comment.
    /// </summary>
    /// <param name="path">File path (its extension picks the language when <paramref name="languageId"/> is null).</param>
    /// <param name="text">The document text.</param>
    /// <param name="line">0-based caret line.</param>
    /// <param name="character">0-based UTF-16 caret column.</param>
    /// <param name="languageId">LSP language id, or null.</param>
    public DocComment? CreateSkeleton(string path, string text, int line, int character, string? languageId = null) =>
        throw new NotImplementedException();

    /// <summary>
    /// The skeleton with its prose written by <paramref name="client"/>; with a null client (or when the model's
    /// answer is unusable) the skeleton alone. Null when <see cref="CreateSkeleton"/> finds nothing.
    /// </summary>
    public Task<DocResult?> GenerateAsync(string path, string text, int line, int character, string? languageId, IChatClient? client, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
