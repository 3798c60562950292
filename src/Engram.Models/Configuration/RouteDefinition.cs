namespace Engram.Models.Configuration;

/// <summary>How one task picks its model: an entry of the <c>routes</c> object of <c>engram.json</c>, keyed by task.</summary>
public sealed record RouteDefinition
{
    /// <summary>Capabilities a model needs to serve the task (<c>capabilities</c>); see <see cref="DefaultCapabilities"/> when absent.</summary>
    public required IReadOnlyList<ModelCapability> Capabilities { get; init; }

    /// <summary>Model names tried first, in order (<c>preferred</c>).</summary>
    public IReadOnlyList<string> Preferred { get; init; } = [];

    /// <summary>Model names tried after <see cref="Preferred"/>, in order, before any other capable model (<c>fallback</c>).</summary>
    public IReadOnlyList<string> Fallback { get; init; } = [];

    /// <summary>
    /// The capabilities a task needs when its route is absent or names none: <c>completion</c> needs completion,
    /// <c>inline</c> fim, <c>code-action</c> code, <c>review</c> review, and <c>docs</c>, <c>research</c> and
    /// <c>dialogue</c> chat.
    /// </summary>
    public static IReadOnlyList<ModelCapability> DefaultCapabilities(ModelTask task) => task switch
    {
        ModelTask.Completion => [ModelCapability.Completion],
        ModelTask.Inline => [ModelCapability.Fim],
        ModelTask.CodeAction => [ModelCapability.Code],
        ModelTask.Review => [ModelCapability.Review],
        ModelTask.Docs or ModelTask.Research or ModelTask.Dialogue => [ModelCapability.Chat],
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, null),
    };
}
