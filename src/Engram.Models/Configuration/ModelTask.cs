namespace Engram.Models.Configuration;

/// <summary>
/// The AI features that ask the router for a model; written in <c>engram.json</c> as <c>completion</c>, <c>inline</c>,
/// <c>code-action</c>, <c>review</c>, <c>docs</c>, <c>research</c> and <c>dialogue</c>.
/// </summary>
public enum ModelTask
{
    /// <summary>Completion while typing (<c>completion</c>).</summary>
    Completion,

    /// <summary>Inline (ghost text) suggestions (<c>inline</c>).</summary>
    Inline,

    /// <summary>Code actions (<c>code-action</c>).</summary>
    CodeAction,

    /// <summary>Change review (<c>review</c>).</summary>
    Review,

    /// <summary>Documentation generation (<c>docs</c>).</summary>
    Docs,

    /// <summary>Research over the workspace (<c>research</c>).</summary>
    Research,

    /// <summary>Dialogue with the user (<c>dialogue</c>).</summary>
    Dialogue,
}
