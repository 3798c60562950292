using Engram.Features.Dialogue;
using Engram.Features.Hosting;

namespace Engram.Features.Tests.Dialogue;

/// <summary>Turns with <c>"context": {"search": ...}</c> get engram hits cited as path:start-end.</summary>
public sealed class DialogueWorkspaceTests
{
    [Fact]
    public async Task RetrievalTurnsCiteWorkspaceCodeAsPathAndLines()
    {
        using var kit = new DialogueTestKit();
        var root = Path.Combine(kit.Root, "repo");
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "RateLimiter.cs"), """
            namespace Demo;

            /// <summary>Token bucket rate limiter.</summary>
            public sealed class RateLimiter
            {
                /// <summary>Takes one token from the bucket; false when empty.</summary>
                public bool TryAcquireToken() => true;
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(root, "Weather.md"), "# Weather\n\nSunny days and rain.\n");
        await using var workspace = new EngramWorkspace(new EngramWorkspaceOptions([root], IndexDirectory: Path.Combine(kit.Root, "index"), LexicalOnly: true));
        await workspace.UpdateIndexAsync();

        var service = kit.Service(workspace);
        var summary = await service.RunAsync("research", "rate limiter token bucket");
        Assert.Equal(DialogueStatus.Completed, summary.Status);
        var retrieve = service.GetTurns(summary.Id).Single(t => t.TurnId == "retrieve");
        Assert.Matches(@"RateLimiter\.cs:\d+-\d+", retrieve.Prompt);
        Assert.Contains("TryAcquireToken", retrieve.Prompt, StringComparison.Ordinal);
        Assert.Contains(service.GetTurns(summary.Id)[0].Output, retrieve.Prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAWorkspaceRetrievalSaysSo()
    {
        using var kit = new DialogueTestKit();
        var service = kit.Service();
        var summary = await service.RunAsync("research", "anything");
        var retrieve = service.GetTurns(summary.Id).Single(t => t.TurnId == "retrieve");
        Assert.Contains("no workspace index", retrieve.Prompt, StringComparison.Ordinal);
    }
}
