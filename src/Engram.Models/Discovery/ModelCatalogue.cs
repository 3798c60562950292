namespace Engram.Models.Discovery;

/// <summary>The small built-in list of models that can be pulled by name.</summary>
/// <remarks>
/// The URLs point at the Qwen organisation's own GGUF repositories on Hugging Face (<c>resolve/main</c>).
/// <see cref="CatalogueEntry.SizeBytes"/> and <see cref="CatalogueEntry.Sha256"/> are null for every entry:
/// they were written without network access and could not be verified, and a guessed hash would make every
/// pull fail. Pulls of these entries are therefore not checksum-verified until someone fills them in from the
/// repositories' file listings (roughly 0.4 GB for 0.5B and 1.1 GB for 1.5B).
/// </remarks>
public static class ModelCatalogue
{
    /// <summary>Every entry, smallest model first.</summary>
    public static IReadOnlyList<CatalogueEntry> Entries { get; } =
    [
        new(
            "qwen2.5-coder-0.5b-instruct-q4_k_m",
            new Uri("https://huggingface.co/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"),
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            SizeBytes: null,
            Sha256: null,
            "Apache-2.0",
            "Qwen2.5-Coder 0.5B Instruct, Q4_K_M: fast completion and FIM on a laptop CPU"),
        new(
            "qwen2.5-coder-1.5b-instruct-q4_k_m",
            new Uri("https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            SizeBytes: null,
            Sha256: null,
            "Apache-2.0",
            "Qwen2.5-Coder 1.5B Instruct, Q4_K_M: better completion and FIM, still CPU-friendly"),
    ];

    /// <summary>Returns the entry named <paramref name="name"/> (case-insensitive), or null when there is none.</summary>
    public static CatalogueEntry? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
    }
}
