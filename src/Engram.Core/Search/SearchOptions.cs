namespace Engram.Core.Search;

/// <summary>Options of one search.</summary>
/// <param name="Top">Hits to return, 1–1000 (default 10).</param>
/// <param name="Candidates">Hypervector candidates re-ranked exactly (default 0: <c>max(200, 20 × Top)</c>).</param>
/// <param name="Kinds">Only chunks of these kinds, or null for all.</param>
/// <param name="PathPrefix">Only chunks whose path starts with this prefix (forward slashes), or null.</param>
public sealed record SearchOptions(int Top = 10, int Candidates = 0, IReadOnlySet<string>? Kinds = null, string? PathPrefix = null)
{
    /// <summary><see cref="Candidates"/> resolved.</summary>
    public int EffectiveCandidates => Candidates > 0 ? Candidates : Math.Max(200, 20 * Top);
}
