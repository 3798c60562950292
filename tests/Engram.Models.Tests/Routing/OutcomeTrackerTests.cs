using Engram.Models.Configuration;
using Engram.Models.Routing;

namespace Engram.Models.Tests.Routing;

public sealed class OutcomeTrackerTests
{
    // History: space-separated "model:outcomes@latencyMs" where outcomes is a string of 's' (success) and 'f' (failure),
    // oldest first. Candidates are a, b, c in that configured order.
    [Theory]
    [InlineData("", "a b c")]
    [InlineData("a:ffff", "a b c")] // too few samples to judge
    [InlineData("a:fffff", "b c a")]
    [InlineData("a:ssfff b:fffff", "c a b")]
    [InlineData("a:sssff", "a b c")] // 60 % success is good enough
    [InlineData("b:fffff c:fffff", "a b c")]
    [InlineData("a:sssss@3000 b:sssss@100", "b c a")] // slow: 30x and 2.9 s behind b
    [InlineData("a:sssss@300 b:sssss@10", "a b c")] // 30x but only 290 ms behind: not slow
    [InlineData("a:sssss@1000 b:sssss@400", "a b c")] // only 2.5x
    [InlineData("a:sssss@3000 b:ssss@100", "a b c")] // b has too few successes to compare with
    [InlineData("a:sssss@3000 b:fffffsssss@100", "b c a")] // the window of 20 still holds b's failures, but 50 % is enough
    [InlineData("a:sssss@3000 b:sssss@100 c:fffff", "b a c")] // slow before unreliable
    [InlineData("a:fffffsssssssssssssssssssss", "a b c")] // recovered: the failures left the window
    [InlineData("a:sssss@3000 b:sssss@100 b:ffffffffff", "a c b")] // b is unreliable, so a is not compared with it
    public void Check(string history, string expected)
    {
        var tracker = new OutcomeTracker(windowSize: 20);
        foreach (var item in history.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (model, rest) = (item[..item.IndexOf(':')], item[(item.IndexOf(':') + 1)..]);
            var at = rest.IndexOf('@');
            var latency = at < 0 ? 100 : double.Parse(rest[(at + 1)..]);
            foreach (var outcome in at < 0 ? rest : rest[..at])
            {
                tracker.Record(new UsageEntry(default, ModelTask.Dialogue, model, 1, 1, 0, latency, outcome == 's' ? UsageOutcome.Success : UsageOutcome.Failed));
            }
        }

        var order = tracker.Rank(["a", "b", "c"], ModelTask.Dialogue, new OutcomeRoutingOptions());

        Assert.Equal(expected, string.Join(' ', order));
        Assert.Equal(order, tracker.Rank(["a", "b", "c"], ModelTask.Dialogue, new OutcomeRoutingOptions())); // deterministic
        Assert.Equal("a b c", string.Join(' ', tracker.Rank(["a", "b", "c"], ModelTask.Review, new OutcomeRoutingOptions()))); // per task
        Assert.Equal("a b c", string.Join(' ', tracker.Rank(["a", "b", "c"], ModelTask.Dialogue, new OutcomeRoutingOptions { Enabled = false })));
    }

    [Fact]
    public void RefusalsAndCancellationsAreNotEvidence()
    {
        var tracker = new OutcomeTracker();
        foreach (var outcome in new[] { UsageOutcome.Refused, UsageOutcome.Cancelled, UsageOutcome.Success, UsageOutcome.Failed })
        {
            tracker.Record(new UsageEntry(default, ModelTask.Dialogue, "a", 0, 0, 0, 42, outcome));
        }

        Assert.Equal(new OutcomeStats(2, 1, 42), tracker.GetStats("a", ModelTask.Dialogue));
        Assert.Equal(0.5, tracker.GetStats("a", ModelTask.Dialogue).SuccessRate);
        Assert.Equal(2, tracker.Version);
    }

    [Fact]
    public void ConcurrentRecordsAreAllCounted()
    {
        var tracker = new OutcomeTracker(windowSize: 1000);

        Parallel.For(0, 1000, i => tracker.Record("a", ModelTask.Dialogue, i % 4 != 0, i));

        Assert.Equal((1000, 750), (tracker.GetStats("a", ModelTask.Dialogue).Samples, tracker.GetStats("a", ModelTask.Dialogue).Successes));
        Assert.Equal(1000, tracker.Version);
    }
}
