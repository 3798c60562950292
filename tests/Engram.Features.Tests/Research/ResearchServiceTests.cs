using System.Text.RegularExpressions;
using Engram.Features.Hosting;
using Engram.Features.Research;
using Microsoft.Extensions.AI;
using ResearchFakeChatClient = Engram.Mcp.Tests.FakeChatClient;
using ResearchFixtureRepo = Engram.Mcp.Tests.FixtureRepo;

namespace Engram.Features.Tests.Research;

public sealed partial class ResearchServiceTests : IAsyncLifetime
{
    private readonly ResearchFixtureRepo _repo = new();
    private EngramWorkspace _workspace = null!;

    public async Task InitializeAsync()
    {
        _workspace = new EngramWorkspace(new EngramWorkspaceOptions([_repo.Root], _repo.IndexDirectory, LexicalOnly: true));
        await _workspace.UpdateIndexAsync();
    }

    public async Task DisposeAsync()
    {
        await _workspace.DisposeAsync();
        _repo.Dispose();
    }

    [Fact]
    public async Task Without_a_model_the_answer_is_extractive_ranked_passages_with_verified_citations()
    {
        var steps = new List<string>();
        var result = await new ResearchService(_workspace).ResearchAsync("how is the invoice total computed with tax", 2, client: null, new SyncProgress(steps));
        Assert.True(result.Extractive);
        Assert.Equal(0, result.ModelCalls);
        Assert.StartsWith("**Extractive answer**", result.Answer, StringComparison.Ordinal);
        Assert.NotEmpty(result.Citations);
        Assert.Contains(result.Citations, c => c.Path == "src/Billing/InvoiceCalculator.cs");
        Assert.Contains($"{result.Citations[0].Path}:{result.Citations[0].StartLine}-{result.Citations[0].EndLine}", result.Answer, StringComparison.Ordinal);
        Assert.All(result.Citations, c => Assert.Equal(_repo.Root, c.Root));
        Assert.Equal(["plan", "retrieve", "read"], result.Steps.Select(s => s.Kind));
        Assert.Contains(steps, s => s.StartsWith("retrieve:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plans_retrieves_synthesizes_and_drops_every_citation_that_does_not_verify()
    {
        string? notShown = null;
        var fake = new ResearchFakeChatClient((messages, call) =>
        {
            if (call == 0)
            {
                return "[\"ComputeTotal tax rate\", \"RoundToCents cents\", \"ignored third\"]";
            }

            var labels = Labels(messages);
            notShown = new[] { "web/cart.ts:1-3", "src/Shipping/ShippingRates.cs:3-12", "docs/billing.md:1-3" }
                .FirstOrDefault(l => !labels.Any(x => x.StartsWith(l.Split(':')[0] + ":", StringComparison.Ordinal)));
            return $"The total sums the lines and applies the tax ({labels[0]}). " +
                "Discounts live elsewhere (src/Billing/Discounts.cs:1-5). " +
                "Totals are cached (src/Billing/InvoiceCalculator.cs:200-210). " +
                (notShown is null ? "" : $"Prices are formatted ({notShown}). ") +
                "Evil (../outside/secret.txt:1-1).";
        });
        var result = await new ResearchService(_workspace).ResearchAsync("how is the invoice total computed?", 2, fake);

        Assert.False(result.Extractive);
        Assert.Equal(2, result.ModelCalls);
        Assert.Equal(200, result.InputTokens);
        Assert.Equal(40, result.OutputTokens);
        Assert.Equal(["fake-model"], result.Models);
        Assert.Equal(["plan", "retrieve", "retrieve", "retrieve", "read", "synthesize", "verify"], result.Steps.Select(s => s.Kind));
        Assert.Contains("how is the invoice total computed?", result.Steps[3].Detail, StringComparison.Ordinal);
        Assert.Contains("ComputeTotal tax rate", result.Steps[1].Detail, StringComparison.Ordinal);
        var citation = Assert.Single(result.Citations);
        Assert.Equal(Labels(fake.Requests[1])[0], $"{citation.Path}:{citation.StartLine}-{citation.EndLine}");
        Assert.DoesNotContain("Discounts.cs", result.Answer, StringComparison.Ordinal);
        Assert.DoesNotContain("200-210", result.Answer, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.Answer, StringComparison.Ordinal);
        if (notShown is not null)
        {
            Assert.DoesNotContain(notShown, result.Answer, StringComparison.Ordinal);
        }

        var verify = result.Steps.Single(s => s.Kind == "verify").Detail;
        Assert.Contains("no such file in the workspace", verify, StringComparison.Ordinal);
        Assert.Contains("the file has 15 lines", verify, StringComparison.Ordinal);
        Assert.Contains("leaves the workspace", verify, StringComparison.Ordinal);
        if (notShown is not null)
        {
            Assert.Contains("overlaps no retrieved passage", verify, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_answer_left_without_a_valid_citation_is_synthesized_again_once_with_the_errors()
    {
        var fake = new ResearchFakeChatClient((messages, call) => call switch
        {
            0 => "- ComputeTotal",
            1 => "It is computed somewhere (src/Nowhere.cs:1-2).",
            _ => $"Lines are summed and taxed ({Labels(messages)[0]}).",
        });
        var result = await new ResearchService(_workspace).ResearchAsync("how is the invoice total computed?", 1, fake);
        Assert.False(result.Extractive);
        Assert.Equal(3, result.ModelCalls);
        Assert.Single(result.Citations);
        Assert.Contains("retry", result.Steps.Select(s => s.Kind));
        var retryPrompt = fake.Requests[2][^1].Text;
        Assert.Contains("src/Nowhere.cs:1-2: no such file in the workspace", retryPrompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_retry_cites_nothing_valid_either_the_passages_replace_the_answer()
    {
        var fake = new ResearchFakeChatClient((_, call) => call == 0 ? "[\"invoice total\"]" : "No citations at all.");
        var result = await new ResearchService(_workspace).ResearchAsync("how is the invoice total computed?", 1, fake);
        Assert.True(result.Extractive);
        Assert.Equal(3, result.ModelCalls);
        Assert.StartsWith("The model's answer cited no verifiable code", result.Answer, StringComparison.Ordinal);
        Assert.NotEmpty(result.Citations);
    }

    [Fact]
    public async Task Cancellation_reaches_the_model_call()
    {
        var fake = new ResearchFakeChatClient((_, _) => "[]", TimeSpan.FromSeconds(30));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ResearchService(_workspace).ResearchAsync("q", 1, fake, null, cts.Token));
        Assert.True(fake.SawCancellation);
    }

    [Theory]
    [InlineData("", 2, "The question is empty.")]
    [InlineData("  ", 2, "The question is empty.")]
    [InlineData("q", 0, "depth must be between 1 and 5 (was 0).")]
    [InlineData("q", 6, "depth must be between 1 and 5 (was 6).")]
    public async Task Bad_arguments_are_refused(string question, int depth, string message)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => new ResearchService(_workspace).ResearchAsync(question, depth, null));
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("see src/A.cs:10-24 and b/c.ts:3", "src/A.cs:10-24|b/c.ts:3-3")]
    [InlineData("(src/Billing/InvoiceCalculator.cs:6–11)", "src/Billing/InvoiceCalculator.cs:6-11")]
    [InlineData("`docs/billing.md:1 - 3`.", "docs/billing.md:1-3")]
    [InlineData("step:1-2 and ratio 3:4 are prose", "")]
    [InlineData("Makefile/x:2-3", "Makefile/x:2-3")]
    public void Citations_are_parsed_as_path_start_end(string text, string expected)
    {
        var parsed = ResearchService.ParseCitations(text).Select(c => $"{c.Path}:{c.StartLine}-{c.EndLine}");
        Assert.Equal(expected, string.Join('|', parsed));
    }

    [Theory]
    [InlineData("[\"a\", \"b\", \"c\"]", 2, "a|b")]
    [InlineData("Here: [\"a\"]", 3, "a")]
    [InlineData("1. first\n2. second\n", 5, "first|second")]
    [InlineData("", 3, "Q?")]
    [InlineData("[]", 3, "Q?")]
    public void Plans_are_parsed_from_json_or_lines(string text, int depth, string expected) =>
        Assert.Equal(expected, string.Join('|', ResearchService.ParsePlan(text, "Q?", depth)));

    private static List<string> Labels(IReadOnlyList<ChatMessage> messages) =>
        LabelPattern().Matches(string.Join('\n', messages.Select(m => m.Text))).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"^### (\S+:\d+-\d+)", RegexOptions.Multiline)]
    private static partial Regex LabelPattern();

    private sealed class SyncProgress(List<string> sink) : IProgress<string>
    {
        public void Report(string value) => sink.Add(value);
    }
}
