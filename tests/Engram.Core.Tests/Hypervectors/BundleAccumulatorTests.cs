using Engram.Core.Hypervectors;

namespace Engram.Core.Tests.Hypervectors;

public sealed class BundleAccumulatorTests
{
    [Fact]
    public void BundleThenUnbundleIsExact()
    {
        var members = Enumerable.Range(0, 20).Select(i => HypervectorTests.Random((ulong)i)).ToList();
        var all = new BundleAccumulator(1536);
        members.ForEach(m => all.Add(m));
        var withoutFive = new BundleAccumulator(1536);
        members.Where((_, i) => i != 5).ToList().ForEach(m => withoutFive.Add(m));

        all.Add(members[5], -1);

        Assert.True(all.ContentEquals(withoutFive));
        Assert.Equal(19, all.Count);
    }

    [Fact]
    public void HierarchicalUpdateEqualsRebuild()
    {
        // root = folderA + folderB; replacing one file's vectors algebraically equals building the new tree.
        var oldFile = Enumerable.Range(0, 3).Select(i => HypervectorTests.Random((ulong)(100 + i))).ToList();
        var newFile = Enumerable.Range(0, 4).Select(i => HypervectorTests.Random((ulong)(200 + i))).ToList();
        var other = Enumerable.Range(0, 5).Select(i => HypervectorTests.Random((ulong)(300 + i))).ToList();

        var fileBundle = Bundle(oldFile);
        var folderA = Bundle(oldFile);
        var folderB = Bundle(other);
        var root = new BundleAccumulator(1536);
        root.Add(folderA);
        root.Add(folderB);

        var newBundle = Bundle(newFile);
        folderA.Add(fileBundle, -1);
        folderA.Add(newBundle);
        root.Add(fileBundle, -1);
        root.Add(newBundle);

        var rebuilt = new BundleAccumulator(1536);
        rebuilt.Add(Bundle(newFile));
        rebuilt.Add(Bundle(other));
        Assert.True(root.ContentEquals(rebuilt));
        Assert.True(folderA.ContentEquals(Bundle(newFile)));
    }

    [Fact]
    public void MajorityVectorResemblesMembers()
    {
        var members = Enumerable.Range(0, 9).Select(i => HypervectorTests.Random((ulong)i)).ToList();
        var majority = Bundle(members).ToHypervector();
        foreach (var member in members)
        {
            // For 9 members each agrees with the majority on ≈ 0.5 + C(8,4)/2^9 ≈ 0.64 of the bits.
            Assert.InRange(Hypervector.Similarity(member, majority), 0.58, 0.70);
        }

        Assert.InRange(Hypervector.Similarity(HypervectorTests.Random(999), majority), 0.44, 0.56);
    }

    [Fact]
    public void SerialisationRoundTrips()
    {
        var bundle = Bundle(Enumerable.Range(0, 7).Select(i => HypervectorTests.Random((ulong)i)).ToList());
        var copy = BundleAccumulator.FromBytes(bundle.ToBytes(), 1536);
        Assert.True(copy.ContentEquals(bundle));
        Assert.Throws<FormatException>(() => BundleAccumulator.FromBytes(new byte[10], 1536));
    }

    private static BundleAccumulator Bundle(IEnumerable<ulong[]> vectors)
    {
        var bundle = new BundleAccumulator(1536);
        foreach (var v in vectors)
        {
            bundle.Add(v);
        }

        return bundle;
    }
}
