using Microsoft.Extensions.AI;

namespace Engram.Features.Review;

/// <summary>Severity of a review finding, as LSP <c>DiagnosticSeverity</c> names them.</summary>
public enum ReviewSeverity
{
    /// <summary>A defect that will misbehave.</summary>
    Error = 1,
    /// <summary>Likely a defect or a risk.</summary>
    Warning = 2,
    /// <summary>Worth knowing.</summary>
    Information = 3,
    /// <summary>A style or clarity suggestion.</summary>
    Hint = 4,
}

/// <summary>One review finding.</summary>
/// <param name="Path">Workspace-relative path, forward slashes.</param>
/// <param name="StartLine">1-based inclusive.</param>
/// <param name="EndLine">1-based inclusive, ≥ <paramref name="StartLine"/>.</param>
/// <param name="Severity">How serious it is.</param>
/// <param name="Code">A short kebab-case category such as <c>null-dereference</c>, <c>off-by-one</c>, <c>naming</c>.</param>
/// <param name="Message">What is wrong and why, one or two sentences.</param>
/// <param name="SuggestedFix">Replacement text for lines <paramref name="StartLine"/>..<paramref name="EndLine"/> (whole lines,
/// ending in a newline), or null when the finding has no mechanical fix.</param>
public sealed record ReviewFinding(string Path, int StartLine, int EndLine, ReviewSeverity Severity, string Code, string Message, string? SuggestedFix);

/// <summary>The outcome of a review.</summary>
/// <param name="Findings">Findings inside the reviewed lines, ordered by path then line.</param>
/// <param name="ReviewedPaths">Workspace-relative paths that were reviewed.</param>
/// <param name="Model">The model that answered, or null when nothing needed reviewing.</param>
/// <param name="Dropped">Findings the model returned that pointed outside the reviewed lines or files (dropped).</param>
public sealed record ReviewResult(IReadOnlyList<ReviewFinding> Findings, IReadOnlyList<string> ReviewedPaths, string? Model, int Dropped);

/// <summary>
/// AI review through the router: of a git diff (working tree against HEAD, or against a base revision) or of a range
/// of one document. The model answers in JSON; findings are validated against the reviewed lines.
/// </summary>
public sealed class ReviewService
{
    /// <summary>
    /// Reviews the changes of the repository at <paramref name="root"/>: working tree (staged and unstaged, untracked
    /// files included) against <paramref name="baseRevision"/> (default <c>HEAD</c>).
    /// </summary>
    /// <param name="root">The repository's work-tree root.</param>
    /// <param name="baseRevision">A revision LibGit2Sharp can resolve, or null for HEAD.</param>
    /// <param name="paths">Workspace-relative paths to restrict the review to, or null for all changes.</param>
    /// <param name="client">The routed chat client for the review task.</param>
    /// <param name="cancellationToken">Cancels the model call.</param>
    /// <exception cref="ArgumentException">The folder is not a git work tree or the revision does not resolve.</exception>
    public Task<ReviewResult> ReviewChangesAsync(string root, string? baseRevision, IReadOnlyList<string>? paths, IChatClient client, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Reviews lines <paramref name="startLine"/>..<paramref name="endLine"/> (1-based inclusive) of one document's text.</summary>
    /// <param name="relativePath">Workspace-relative path used in the findings.</param>
    /// <param name="text">The document's current text.</param>
    /// <param name="startLine">1-based inclusive.</param>
    /// <param name="endLine">1-based inclusive.</param>
    /// <param name="client">The routed chat client for the review task.</param>
    /// <param name="cancellationToken">Cancels the model call.</param>
    public Task<ReviewResult> ReviewRangeAsync(string relativePath, string text, int startLine, int endLine, IChatClient client, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>
    /// Lines (1-based inclusive ranges) of <paramref name="relativePath"/> that differ from HEAD, for review on save;
    /// the whole file when it is untracked or outside git; empty when unchanged.
    /// </summary>
    public IReadOnlyList<(int StartLine, int EndLine)> ChangedLines(string root, string relativePath, string text) =>
        throw new NotImplementedException();
}
