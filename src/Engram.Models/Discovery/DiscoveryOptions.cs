namespace Engram.Models.Discovery;

/// <summary>Where <see cref="ModelDiscovery.Find"/> looks.</summary>
/// <remarks>
/// Every location outside <see cref="Folders"/> is derived from <see cref="HomeDirectory"/> and
/// <see cref="GetEnvironmentVariable"/>, so tests can point discovery at a fake tree.
/// </remarks>
public sealed record DiscoveryOptions
{
    /// <summary>Folders searched recursively for <c>*.gguf</c> files (missing folders are ignored).</summary>
    public IReadOnlyList<string> Folders { get; init; } = [];

    /// <summary>Whether to search the Hugging Face, LM Studio and Ollama caches as well. Default true.</summary>
    public bool IncludeCaches { get; init; } = true;

    /// <summary>The user's home folder; null means <see cref="Environment.SpecialFolder.UserProfile"/>.</summary>
    public string? HomeDirectory { get; init; }

    /// <summary>
    /// Reads <c>HF_HOME</c>, <c>HF_HUB_CACHE</c>, <c>XDG_CACHE_HOME</c> and <c>OLLAMA_MODELS</c>;
    /// defaults to <see cref="Environment.GetEnvironmentVariable(string)"/>. Return null for "unset".
    /// </summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;
}
