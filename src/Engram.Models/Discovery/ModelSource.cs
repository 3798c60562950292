namespace Engram.Models.Discovery;

/// <summary>Where <see cref="ModelDiscovery"/> found a GGUF file.</summary>
public enum ModelSource
{
    /// <summary>A folder named in <see cref="DiscoveryOptions.Folders"/>.</summary>
    Folder,

    /// <summary>The Hugging Face hub cache (<c>models--ORG--NAME/snapshots/REV/…</c>).</summary>
    HuggingFace,

    /// <summary>LM Studio's models folder.</summary>
    LmStudio,

    /// <summary>Ollama's blob store, found through its manifests.</summary>
    Ollama,
}
