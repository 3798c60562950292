using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace Engram.Core.Hypervectors;

/// <summary>
/// Encodes a chunk (or a query) into one dense binary hypervector of <see cref="Dimension"/> bits that carries
/// both lexical and semantic evidence, so that Hamming similarity ranks candidates by a blend of the two.
/// </summary>
/// <remarks>
/// <para>Lexical part: every term is an atomic random bipolar hypervector seeded by the term's XxHash64; its role
/// (symbol, container, doc, code, path, character trigram) is bound by a role-specific cyclic permutation; all
/// role-bound terms are bundled with weights (symbol 3, doc 2, others 1, code damped by log tf).</para>
/// <para>Semantic part: the sentence embedding (unit vector, e.g. 384 floats from all-MiniLM-L6-v2) is randomly
/// projected onto the dimension with a fixed ±1 matrix (Johnson–Lindenstrauss / SimHash, Charikar 2002), so the
/// sign bits preserve angles.</para>
/// <para>The two parts are scaled to equal energy, mixed with weights <see cref="EncoderSettings.SemanticWeight"/>
/// and <see cref="EncoderSettings.LexicalWeight"/>, and thresholded at zero. Deterministic and thread-safe once
/// constructed.</para>
/// </remarks>
public sealed class HypervectorEncoder
{
    private readonly EncoderSettings _settings;
    private readonly sbyte[] _projection;
    private readonly int _embeddingDimension;

    /// <summary>Creates an encoder for embeddings of <paramref name="embeddingDimension"/> floats.</summary>
    public HypervectorEncoder(EncoderSettings settings, int embeddingDimension)
    {
        _settings = settings;
        _embeddingDimension = embeddingDimension;
        _projection = new sbyte[settings.Dimension * embeddingDimension];
        var state = 0x5EED_0F_E26A3UL;
        for (var i = 0; i < _projection.Length; i += 64)
        {
            var bits = Hypervector.SplitMix64(ref state);
            for (var b = 0; b < 64 && i + b < _projection.Length; b++)
            {
                _projection[i + b] = (sbyte)(((bits >> b) & 1) == 1 ? 1 : -1);
            }
        }
    }

    /// <summary>Bits per hypervector.</summary>
    public int Dimension => _settings.Dimension;

    /// <summary>64-bit words per hypervector.</summary>
    public int Words => _settings.Dimension / 64;

    /// <summary>The settings in use.</summary>
    public EncoderSettings Settings => _settings;

    /// <summary>
    /// Encodes a chunk's features and embedding into <see cref="Words"/> words.
    /// </summary>
    /// <param name="features">Lexical features by role.</param>
    /// <param name="embedding">Unit-length sentence embedding of the chunk, or empty to encode lexical evidence only.</param>
    public ulong[] EncodeChunk(ChunkFeatures features, ReadOnlySpan<float> embedding)
    {
        var lexical = new float[Dimension];
        AddField(lexical, features.Symbol, Role.Symbol, 3f, damp: false);
        AddField(lexical, features.Doc, Role.Doc, 2f, damp: true);
        AddField(lexical, features.Code, Role.Code, 1f, damp: true);
        AddField(lexical, features.Container, Role.Container, 1f, damp: false);
        AddField(lexical, features.Path, Role.Path, 1f, damp: false);
        foreach (var term in features.Symbol.Keys)
        {
            AddTrigrams(lexical, term, 0.5f);
        }

        return Combine(lexical, embedding);
    }

    /// <summary>
    /// Encodes a query: each term is bundled under the symbol, doc and code roles (weights 3, 2, 1) so that it
    /// meets the term wherever a chunk holds it, plus its trigrams.
    /// </summary>
    /// <param name="terms">Query terms from <see cref="Text.TermTokenizer"/>.</param>
    /// <param name="embedding">Unit-length embedding of the query text, or empty.</param>
    public ulong[] EncodeQuery(IReadOnlyCollection<string> terms, ReadOnlySpan<float> embedding)
    {
        var lexical = new float[Dimension];
        foreach (var term in terms.Distinct(StringComparer.Ordinal))
        {
            var seed = Seed(term);
            AddAtom(lexical, seed, Role.Symbol, 3f);
            AddAtom(lexical, seed, Role.Doc, 2f);
            AddAtom(lexical, seed, Role.Code, 1f);
            AddAtom(lexical, seed, Role.Path, 0.5f);
            AddTrigrams(lexical, term, 0.5f);
        }

        return Combine(lexical, embedding);
    }

    private ulong[] Combine(float[] lexical, ReadOnlySpan<float> embedding)
    {
        var semantic = new float[Dimension];
        if (embedding.Length > 0)
        {
            if (embedding.Length != _embeddingDimension)
            {
                throw new ArgumentException($"Embedding has {embedding.Length} floats; the encoder expects {_embeddingDimension}.", nameof(embedding));
            }

            for (var d = 0; d < Dimension; d++)
            {
                var row = _projection.AsSpan(d * _embeddingDimension, _embeddingDimension);
                var sum = 0f;
                for (var k = 0; k < row.Length; k++)
                {
                    sum += row[k] * embedding[k];
                }

                semantic[d] = sum;
            }
        }

        var lexicalScale = _settings.LexicalWeight / Rms(lexical);
        var semanticScale = _settings.SemanticWeight / Rms(semantic);
        var words = new ulong[Words];
        for (var d = 0; d < Dimension; d++)
        {
            var value = lexical[d] * lexicalScale + semantic[d] * semanticScale;
            // Zero (an empty chunk) falls back to a fixed pattern through the bit of d, keeping the vector balanced.
            if (value > 0 || (value == 0 && (d & 1) == 1))
            {
                words[d / 64] |= 1UL << (d % 64);
            }
        }

        return words;
    }

    private static float Rms(float[] values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v * v;
        }

        return sum == 0 ? float.PositiveInfinity : (float)Math.Sqrt(sum / values.Length);
    }

    private void AddField(float[] acc, IReadOnlyDictionary<string, int> field, Role role, float weight, bool damp)
    {
        foreach (var (term, count) in field)
        {
            var w = damp ? weight * (1f + MathF.Log(count)) : weight * count;
            AddAtom(acc, Seed(term), role, w);
        }
    }

    private void AddTrigrams(float[] acc, string term, float weight)
    {
        if (term.Length < 4)
        {
            return;
        }

        Span<char> gram = stackalloc char[5];
        var padded = $"#{term}#";
        for (var i = 0; i + 3 <= padded.Length; i++)
        {
            padded.AsSpan(i, 3).CopyTo(gram);
            AddAtom(acc, Seed(gram[..3]), Role.Trigram, weight);
        }
    }

    // Adds weight × ρ^role(atom(seed)) to the accumulator: the atom's bit i lands at (i + shift) mod D.
    private void AddAtom(float[] acc, ulong seed, Role role, float weight)
    {
        var dimension = Dimension;
        var shift = (int)role * 131 % dimension;
        var state = seed;
        for (var w = 0; w < Words; w++)
        {
            var bits = Hypervector.SplitMix64(ref state);
            var baseIndex = w * 64 + shift;
            for (var b = 0; b < 64; b++)
            {
                var index = baseIndex + b;
                if (index >= dimension)
                {
                    index -= dimension;
                }

                acc[index] += ((bits >> b) & 1) == 1 ? weight : -weight;
            }
        }
    }

    /// <summary>The 64-bit seed of a term's atomic hypervector (XxHash64 of its UTF-16 code units).</summary>
    public static ulong Seed(ReadOnlySpan<char> term) => XxHash64.HashToUInt64(MemoryMarshal.AsBytes(term));

    private enum Role
    {
        Symbol = 1,
        Container = 2,
        Doc = 3,
        Code = 4,
        Path = 5,
        Trigram = 6,
    }
}
