namespace Engram.Core.Hypervectors;

/// <summary>
/// Parameters of <see cref="HypervectorEncoder"/>. Changing any of them changes every stored hypervector, so the
/// store records <see cref="Version"/> and rebuilds hypervectors when it differs.
/// </summary>
/// <param name="Dimension">Bits per hypervector, a positive multiple of 64 (default 1536 = 192 bytes).</param>
/// <param name="SemanticWeight">Share of the sentence embedding in the mix (relative to <paramref name="LexicalWeight"/>).</param>
/// <param name="LexicalWeight">Share of the lexical bundle in the mix.</param>
public sealed record EncoderSettings(int Dimension = 1536, float SemanticWeight = 1.0f, float LexicalWeight = 0.8f)
{
    /// <summary>The default settings.</summary>
    public static EncoderSettings Default { get; } = new();

    /// <summary>A string that identifies the encoding, stored with every index.</summary>
    public string Version => FormattableString.Invariant($"hv1-d{Dimension}-s{SemanticWeight:0.###}-l{LexicalWeight:0.###}");
}
