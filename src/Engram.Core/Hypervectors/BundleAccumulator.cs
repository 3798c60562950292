namespace Engram.Core.Hypervectors;

/// <summary>
/// An exact bundle (superposition) of binary hypervectors kept as one signed integer counter per dimension:
/// adding a vector adds +1 where its bit is 1 and −1 where it is 0. The bundle's hypervector is the sign of
/// each counter (majority vote; ties broken by a fixed pseudo-random vector).
/// </summary>
/// <remarks>
/// Because the counters are kept, updates are algebraic and exact: <c>root' = root − old + new</c> gives the same
/// counters as rebuilding from scratch, whatever the order of operations. Not thread-safe.
/// </remarks>
public sealed class BundleAccumulator
{
    private readonly int[] _counts;

    /// <summary>An empty bundle over <paramref name="dimension"/> bits (a multiple of 64).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is not a positive multiple of 64.</exception>
    public BundleAccumulator(int dimension)
    {
        if (dimension <= 0 || dimension % 64 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Dimension must be a positive multiple of 64.");
        }

        _counts = new int[dimension];
    }

    private BundleAccumulator(int[] counts) => _counts = counts;

    /// <summary>Number of bits of the bundled vectors.</summary>
    public int Dimension => _counts.Length;

    /// <summary>Net number of vectors bundled (additions minus subtractions).</summary>
    public int Count { get; private set; }

    /// <summary>The raw counters, one per dimension, each in [−Count, Count].</summary>
    public ReadOnlySpan<int> Counts => _counts;

    /// <summary>Adds a hypervector (<paramref name="sign"/> = +1) or removes one (−1).</summary>
    public void Add(ReadOnlySpan<ulong> hypervector, int sign = 1)
    {
        for (var w = 0; w < hypervector.Length; w++)
        {
            var word = hypervector[w];
            var baseIndex = w * 64;
            for (var b = 0; b < 64; b++)
            {
                _counts[baseIndex + b] += (int)((word >> b) & 1) * 2 * sign - sign;
            }
        }

        Count += sign;
    }

    /// <summary>Adds (<paramref name="sign"/> = +1) or subtracts (−1) another bundle's counters: hierarchical update.</summary>
    /// <exception cref="ArgumentException">The dimensions differ.</exception>
    public void Add(BundleAccumulator other, int sign = 1)
    {
        if (other.Dimension != Dimension)
        {
            throw new ArgumentException("Bundles differ in dimension.", nameof(other));
        }

        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += sign * other._counts[i];
        }

        Count += sign * other.Count;
    }

    /// <summary>The majority hypervector of the bundle, <see cref="Dimension"/>/64 words.</summary>
    public ulong[] ToHypervector()
    {
        var words = new ulong[_counts.Length / 64];
        Span<ulong> tieBreak = stackalloc ulong[words.Length];
        Hypervector.Random(0x7E1B_EA4EUL, tieBreak);
        for (var i = 0; i < _counts.Length; i++)
        {
            var bit = _counts[i] > 0 || (_counts[i] == 0 && ((tieBreak[i / 64] >> (i % 64)) & 1) == 1);
            if (bit)
            {
                words[i / 64] |= 1UL << (i % 64);
            }
        }

        return words;
    }

    /// <summary>True when both bundles have identical counters and counts.</summary>
    public bool ContentEquals(BundleAccumulator other) =>
        Count == other.Count && _counts.AsSpan().SequenceEqual(other._counts);

    /// <summary>Serialises to bytes: a 4-byte count followed by the counters, little-endian int32.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[4 + _counts.Length * 4];
        BitConverter.TryWriteBytes(bytes, Count);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(_counts.AsSpan()).CopyTo(bytes.AsSpan(4));
        return bytes;
    }

    /// <summary>Reads the format written by <see cref="ToBytes"/>.</summary>
    /// <exception cref="FormatException">The length does not match <paramref name="dimension"/>.</exception>
    public static BundleAccumulator FromBytes(ReadOnlySpan<byte> bytes, int dimension)
    {
        if (bytes.Length != 4 + dimension * 4)
        {
            throw new FormatException($"Bundle blob has {bytes.Length} bytes; expected {4 + dimension * 4}.");
        }

        var counts = new int[dimension];
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(bytes[4..]).CopyTo(counts);
        return new BundleAccumulator(counts) { Count = BitConverter.ToInt32(bytes[..4]) };
    }
}
