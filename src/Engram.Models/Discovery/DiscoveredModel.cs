namespace Engram.Models.Discovery;

/// <summary>A GGUF file found by <see cref="ModelDiscovery.Find"/>.</summary>
/// <param name="DisplayName">
/// A short name: the file name without <c>.gguf</c> for folders, <c>ORG/NAME/FILE</c> for Hugging Face,
/// the path under the models folder for LM Studio, <c>NAME:TAG</c> (or <c>NAMESPACE/NAME:TAG</c>) for Ollama.
/// </param>
/// <param name="Path">The full path of the file (for Ollama, the blob; for Hugging Face, the snapshot link).</param>
/// <param name="Source">Where it was found.</param>
/// <param name="SizeBytes">The file size in bytes (of the link target for links); 0 when the file is missing.</param>
/// <param name="Header">The parsed GGUF header; null when <paramref name="Error"/> is set.</param>
/// <param name="Error">Why the file could not be read (missing blob, not GGUF, truncated, …); null when it was read.</param>
public sealed record DiscoveredModel(
    string DisplayName,
    string Path,
    ModelSource Source,
    long SizeBytes,
    GgufHeader? Header,
    string? Error)
{
    /// <summary>The header's <c>general.architecture</c>, e.g. <c>"llama"</c>; null when unknown.</summary>
    public string? Architecture => Header?.Architecture;

    /// <summary>The header's quantization name, e.g. <c>"Q4_K_M"</c>; null when unknown.</summary>
    public string? Quantization => Header?.Quantization;
}
