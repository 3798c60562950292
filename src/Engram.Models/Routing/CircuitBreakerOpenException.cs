namespace Engram.Models.Routing;

/// <summary>
/// A model was skipped because its <see cref="CircuitBreaker"/> is open (or half-open with its trial call already in
/// flight); recorded among a <see cref="FallbackChatClient"/>'s failures without calling the model.
/// </summary>
public sealed class CircuitBreakerOpenException : Exception
{
    /// <summary>Creates the exception for model <paramref name="modelId"/>.</summary>
    public CircuitBreakerOpenException(string modelId)
        : base($"circuit open: {modelId} failed repeatedly and is skipped for now.")
    {
        ModelId = modelId;
    }

    /// <summary>The configured name of the skipped model.</summary>
    public string ModelId { get; }
}
