namespace Engram.Models.Configuration;

/// <summary>What a model can do; written in <c>engram.json</c> in lower case (<c>completion</c>, <c>fim</c>, …).</summary>
public enum ModelCapability
{
    /// <summary>Plain prefix completion (<c>completion</c>).</summary>
    Completion,

    /// <summary>Fill-in-the-middle (<c>fim</c>).</summary>
    Fim,

    /// <summary>Multi-turn chat (<c>chat</c>).</summary>
    Chat,

    /// <summary>Multi-step reasoning (<c>reasoning</c>).</summary>
    Reasoning,

    /// <summary>Writing and editing code (<c>code</c>).</summary>
    Code,

    /// <summary>Reviewing changes (<c>review</c>).</summary>
    Review,

    /// <summary>Producing embeddings (<c>embedding</c>).</summary>
    Embedding,
}
