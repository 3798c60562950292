namespace Engram.Models.Providers.LocalGguf;

/// <summary>How <see cref="LocalGgufChatClient"/> loads and runs a GGUF model.</summary>
/// <remarks>
/// <see cref="Threads"/> and <see cref="ContextSize"/> shape the llama.cpp context, which is shared by every client of the
/// same model file with the same values; <see cref="Seed"/> and <see cref="MaxTokens"/> are per-request defaults.
/// </remarks>
public sealed record LocalGgufOptions
{
    /// <summary>CPU threads for prompt evaluation and generation (positive; default <see cref="Environment.ProcessorCount"/>).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Context size in tokens (positive), or null for the model definition's context window, else 2048.</summary>
    public int? ContextSize { get; init; }

    /// <summary>Sampling seed used when <c>ChatOptions.Seed</c> is not set (default 42, so output is repeatable).</summary>
    public uint Seed { get; init; } = 42;

    /// <summary>Output tokens generated when <c>ChatOptions.MaxOutputTokens</c> is not set (positive, default 256).</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>Sampling temperature used when <c>ChatOptions.Temperature</c> is not set (≥ 0; 0 is greedy; default 0.2).</summary>
    public float Temperature { get; init; } = 0.2f;

    /// <summary>Tokens decoded per llama.cpp batch while evaluating a prompt (positive, default 512).</summary>
    public int BatchSize { get; init; } = 512;
}
