namespace Engram.Models.Configuration;

/// <summary>One model from the <c>models</c> array of <c>engram.json</c>.</summary>
/// <remarks>
/// <see cref="ApiKeyEnv"/> holds the <em>name</em> of an environment variable; the key itself is never part of the
/// configuration, so a <see cref="ModelDefinition"/> can be logged or printed safely.
/// </remarks>
public sealed record ModelDefinition
{
    /// <summary>Unique name that routes refer to (<c>name</c>, required).</summary>
    public required string Name { get; init; }

    /// <summary>Who serves the model (<c>provider</c>, required).</summary>
    public required ModelProvider Provider { get; init; }

    /// <summary>Absolute base URL of an HTTP provider (<c>endpoint</c>), or null.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>File system path (or provider-specific model id) of a local model (<c>path</c>), or null.</summary>
    public string? Path { get; init; }

    /// <summary>Name of the environment variable holding the API key (<c>apiKeyEnv</c>), or null.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>What the model can do (<c>capabilities</c>, required, non-empty, no duplicates).</summary>
    public required IReadOnlyList<ModelCapability> Capabilities { get; init; }

    /// <summary>Context window in tokens (<c>contextWindow</c>, positive), or null when unknown.</summary>
    public int? ContextWindow { get; init; }

    /// <summary>USD per million input tokens (<c>costPerMillionInput</c>, ≥ 0, default 0).</summary>
    public decimal CostPerMillionInput { get; init; }

    /// <summary>USD per million output tokens (<c>costPerMillionOutput</c>, ≥ 0, default 0).</summary>
    public decimal CostPerMillionOutput { get; init; }

    /// <summary>Coarse latency (<c>latencyClass</c>, default <see cref="LatencyClass.Medium"/>).</summary>
    public LatencyClass LatencyClass { get; init; } = LatencyClass.Medium;

    /// <summary>Tie-breaker when routing (<c>priority</c>, default 0): a higher value is tried first.</summary>
    public int Priority { get; init; }

    /// <summary>
    /// True for a local GGUF model found on the user's machine (Engram's models folder, the Hugging Face, LM Studio and
    /// Ollama caches) rather than written in <c>engram.json</c>; see <c>DiscoveredModels</c>. Configured models rank
    /// before discovered ones for every task.
    /// </summary>
    public bool Discovered { get; init; }

    /// <summary>True when the model has every capability in <paramref name="required"/> (true for an empty set).</summary>
    public bool HasAll(IEnumerable<ModelCapability> required) => required.All(Capabilities.Contains);

    /// <summary>Cost in USD of <paramref name="inputTokens"/> in and <paramref name="outputTokens"/> out at this model's prices.</summary>
    public decimal CostUsd(long inputTokens, long outputTokens) =>
        (inputTokens * CostPerMillionInput + outputTokens * CostPerMillionOutput) / 1_000_000m;
}
