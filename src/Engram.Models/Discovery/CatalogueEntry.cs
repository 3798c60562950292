namespace Engram.Models.Discovery;

/// <summary>A model that <c>engram models pull NAME</c> knows by name.</summary>
/// <param name="Name">The short name to pull by, e.g. <c>"qwen2.5-coder-0.5b-instruct-q4_k_m"</c>.</param>
/// <param name="Url">Where the GGUF file is downloaded from.</param>
/// <param name="FileName">The file name to save it as.</param>
/// <param name="SizeBytes">The exact file size in bytes, or null when it has not been verified.</param>
/// <param name="Sha256">The file's SHA-256 (64 lower-case hex digits), or null when it has not been verified.</param>
/// <param name="Licence">The SPDX identifier of the model's licence.</param>
/// <param name="Description">One line for listings.</param>
public sealed record CatalogueEntry(
    string Name,
    Uri Url,
    string FileName,
    long? SizeBytes,
    string? Sha256,
    string Licence,
    string Description);
