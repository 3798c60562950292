using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engram.Core.Hypervectors;

/// <summary>
/// Operations on dense binary hypervectors stored as <see cref="ulong"/> words (bit i of the vector is bit
/// <c>i % 64</c> of word <c>i / 64</c>). In bipolar terms a 1 bit is +1 and a 0 bit is −1.
/// </summary>
/// <remarks>
/// Binding is XOR, permutation is a cyclic rotation of the whole bit string, similarity is
/// 1 − Hamming distance / dimension (Kanerva 2009, "Hyperdimensional Computing"). All methods are pure and thread-safe.
/// </remarks>
public static class Hypervector
{
    /// <summary>Similarity in [0, 1]: the fraction of equal bits. Unrelated random vectors score ≈ 0.5.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static double Similarity(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Hypervectors differ in dimension.", nameof(b));
        }

        return 1.0 - (double)HammingDistance(a, b) / (a.Length * 64);
    }

    /// <summary>Number of differing bits, in [0, 64 × words].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HammingDistance(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        var distance = 0;
        for (var i = 0; i < a.Length; i++)
        {
            distance += BitOperations.PopCount(a[i] ^ b[i]);
        }

        return distance;
    }

    /// <summary>Binds two hypervectors (XOR) into <paramref name="destination"/>; binding is its own inverse.</summary>
    public static void Bind(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> destination)
    {
        for (var i = 0; i < a.Length; i++)
        {
            destination[i] = a[i] ^ b[i];
        }
    }

    /// <summary>
    /// Writes <paramref name="source"/> cyclically rotated by <paramref name="shift"/> bits (toward higher indices)
    /// into <paramref name="destination"/>. Rotation by distinct amounts gives quasi-orthogonal copies: this is how
    /// roles (symbol, code, path, …) are bound to features.
    /// </summary>
    public static void Permute(ReadOnlySpan<ulong> source, int shift, Span<ulong> destination)
    {
        var bits = source.Length * 64;
        shift = ((shift % bits) + bits) % bits;
        var wordShift = shift / 64;
        var bitShift = shift % 64;
        for (var i = 0; i < source.Length; i++)
        {
            var lo = source[(i - wordShift + source.Length) % source.Length];
            if (bitShift == 0)
            {
                destination[i] = lo;
                continue;
            }

            var hi = source[(i - wordShift - 1 + 2 * source.Length) % source.Length];
            destination[i] = (lo << bitShift) | (hi >> (64 - bitShift));
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with pseudo-random bits derived from <paramref name="seed"/> (SplitMix64):
    /// the atomic hypervector of a feature. Equal seeds give equal vectors on every platform.
    /// </summary>
    public static void Random(ulong seed, Span<ulong> destination)
    {
        var state = seed;
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = SplitMix64(ref state);
        }
    }

    /// <summary>One step of SplitMix64 (Steele, Lea and Flood 2014): a fast, well-mixed 64-bit generator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
