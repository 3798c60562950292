using Engram.Core.Hypervectors;

namespace Engram.Core.Tests.Hypervectors;

public sealed class HypervectorTests
{
    private const int Words = 24;

    [Fact]
    public void SelfSimilarityIsOne()
    {
        var a = Random(1);
        Assert.Equal(1.0, Hypervector.Similarity(a, a));
    }

    [Fact]
    public void RandomVectorsAreNearChance()
    {
        // 1536 bits: the standard deviation of the similarity of unrelated vectors is sqrt(0.25 / 1536) ≈ 0.0128.
        for (ulong seed = 0; seed < 50; seed++)
        {
            Assert.InRange(Hypervector.Similarity(Random(seed), Random(seed + 1000)), 0.44, 0.56);
        }
    }

    [Fact]
    public void BindingIsItsOwnInverse()
    {
        var a = Random(1);
        var key = Random(2);
        var bound = new ulong[Words];
        var unbound = new ulong[Words];
        Hypervector.Bind(a, key, bound);
        Hypervector.Bind(bound, key, unbound);
        Assert.Equal(a, unbound);
        Assert.InRange(Hypervector.Similarity(a, bound), 0.44, 0.56);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(131)]
    [InlineData(1535)]
    public void PermutationIsACyclicRotation(int shift)
    {
        var a = Random(7);
        var rotated = new ulong[Words];
        var back = new ulong[Words];
        Hypervector.Permute(a, shift, rotated);
        Hypervector.Permute(rotated, -shift, back);
        Assert.Equal(a, back);
        for (var i = 0; i < Words * 64; i++)
        {
            Assert.Equal(Bit(a, i), Bit(rotated, (i + shift) % (Words * 64)));
        }

        Assert.InRange(Hypervector.Similarity(a, rotated), 0.44, 0.56);
    }

    internal static ulong[] Random(ulong seed)
    {
        var v = new ulong[Words];
        Hypervector.Random(seed, v);
        return v;
    }

    private static bool Bit(ulong[] v, int i) => ((v[i / 64] >> (i % 64)) & 1) == 1;
}
