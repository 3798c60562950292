using System.Text.Json;
using Engram.Features.Dialogue;

namespace Engram.Features.Tests.Dialogue;

/// <summary>The dialogue engine over fake models behind the real router: structure, fallbacks, budgets, adaptivity, persistence.</summary>
public sealed class DialogueEngineTests
{
    private const string OneTurn = """
        {"name":"one","description":"d","structure":"sequential","turns":[
          {"id":"a","role":"solo","participant":{"model":"alpha"},"prompt":"Topic {topic}","max_tokens":50}]}
        """;

    private const string ThreeParallel = """
        {"name":"three","description":"d","structure":"parallel","turns":[
          {"id":"a","role":"r1","participant":{"model":"alpha"},"prompt":"A {topic}","max_tokens":50},
          {"id":"b","role":"r2","participant":{"model":"alpha"},"prompt":"B {topic}","max_tokens":50},
          {"id":"c","role":"r3","participant":{"model":"alpha"},"prompt":"C {topic}","max_tokens":50}]}
        """;

    [Fact]
    public async Task DebateRunsPhasesInOrderAndFillsPlaceholders()
    {
        using var kit = new DialogueTestKit();
        var service = kit.Service();
        var summary = await service.RunAsync("debate", "Tabs beat spaces");
        Assert.Equal(DialogueStatus.Completed, summary.Status);
        Assert.Equal(3, summary.Turns);
        var turns = service.GetTurns(summary.Id);
        Assert.Equal(["pro", "con", "judge"], turns.Select(t => t.TurnId));
        Assert.Equal(["arguments", "arguments", "verdict"], turns.Select(t => t.Phase));
        Assert.Contains(turns[0].Output, turns[2].Prompt, StringComparison.Ordinal);
        Assert.Contains(turns[1].Output, turns[2].Prompt, StringComparison.Ordinal);
        Assert.Contains("Tabs beat spaces", turns[0].Prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("{turn_pro}", turns[2].Prompt, StringComparison.Ordinal);
        Assert.All(turns, t => Assert.True(t.Cost > 0 && t.InputTokens > 0 && t.OutputTokens > 0));
        Assert.Equal(turns.Sum(t => t.Cost), summary.Cost);

        // Per-turn token limits reach the provider: 900 for the arguments, 1200 for the verdict.
        Assert.Equal([900, 900, 1200], kit.Alpha.MaxOutputTokens.Select(t => t ?? 0).Order());
    }

    [Fact]
    public async Task ThreeParallelTurnsRunConcurrently()
    {
        // Wall-clock ratios belong to the benchmark (`bench -- dialogue` records three parallel turns / one); the test
        // checks the cause: all three model calls were in flight at once.
        using var kit = new DialogueTestKit();
        kit.WriteMode("three", ThreeParallel);
        // Long enough that the three calls overlap even on a loaded machine.
        kit.Alpha.Latency = TimeSpan.FromSeconds(1.5);
        var service = kit.Service();
        var summary = await service.RunAsync("three", "x");
        Assert.Equal(3, summary.Turns);
        Assert.Equal(3, kit.Alpha.MaxConcurrency);
    }

    [Fact]
    public async Task FailingParticipantIsSubstitutedByTheRoutersFallbackAndRecorded()
    {
        using var kit = new DialogueTestKit();
        kit.WriteMode("one", OneTurn);
        kit.Alpha.AlwaysFail = true;
        var service = kit.Service();
        var summary = await service.RunAsync("one", "fallbacks");
        Assert.Equal(DialogueStatus.Completed, summary.Status);
        var turn = Assert.Single(service.GetTurns(summary.Id));
        Assert.Equal("alpha", turn.RequestedModel);
        Assert.Equal("beta", turn.Model);
        Assert.NotNull(turn.Substitution);
        Assert.Contains("alpha", turn.Substitution, StringComparison.Ordinal);
        Assert.Contains("beta", turn.Substitution, StringComparison.Ordinal);
        Assert.Contains("Substituted", service.Export(summary.Id, "markdown"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryModelFailingEndsTheDialogueFailedAndResumeRetriesIt()
    {
        using var kit = new DialogueTestKit();
        kit.WriteMode("one", OneTurn);
        kit.Alpha.AlwaysFail = true;
        kit.Beta.AlwaysFail = true;
        var service = kit.Service();
        var summary = await service.RunAsync("one", "doomed");
        Assert.Equal(DialogueStatus.Failed, summary.Status);
        Assert.Equal(0, summary.Turns);
        Assert.Contains("failed", service.Export(summary.Id, "markdown"), StringComparison.Ordinal);

        kit.Beta.AlwaysFail = false;
        var resumed = await service.ResumeAsync(summary.Id);
        Assert.Equal(DialogueStatus.Completed, resumed.Status);
        Assert.Equal(1, resumed.Turns);
    }

    [Fact]
    public async Task BudgetStopsBeforeATurnCouldOverspend()
    {
        using var kit = new DialogueTestKit(pricePerMillion: 100m);
        var n = 0;
        kit.Alpha.Respond = _ => $"Position {Interlocked.Increment(ref n)}: " + new string('x', 3000);
        var service = kit.Service();
        service.Similarity = (_, _, _) => Task.FromResult(0.0);

        // A reasoner turn may cost 1200 × 200 / 1e6 = 0.24 USD plus its input, a critic 0.16 plus input; each actually
        // costs ≈ 0.15. After two turns ≈ 0.30 is spent and the second reasoner (0.24 + ≈ 1500 context tokens × 100 / 1e6
        // = 0.39) no longer fits in 0.6: the dialogue stops before it.
        var summary = await service.RunAsync("loop", "Is P = NP?", new DialogueOptions(MaxCost: 0.6m));
        Assert.Equal(DialogueStatus.CostLimited, summary.Status);
        Assert.Equal(2, summary.Turns);
        Assert.True(summary.Cost <= 0.6m, $"spent {summary.Cost}");
        Assert.Equal(summary.Turns, kit.Alpha.Calls + kit.Beta.Calls);
        var json = JsonDocument.Parse(service.Export(summary.Id, "json")).RootElement;
        Assert.Equal("cost_limited", json.GetProperty("status").GetString());
        Assert.Contains("remain", json.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParallelTurnsShareTheBudgetWithoutOverspending()
    {
        using var kit = new DialogueTestKit(pricePerMillion: 100m);
        kit.WriteMode("three", ThreeParallel);
        kit.Alpha.Latency = TimeSpan.FromMilliseconds(100);
        var service = kit.Service();

        // One turn may cost (≈ 26 input tokens × 100 + 50 output tokens × 200) / 1e6 ≈ 0.0126 USD: 0.03 fits two of the
        // three reservations made concurrently, the third is refused before it runs.
        var summary = await service.RunAsync("three", "t", new DialogueOptions(MaxCost: 0.03m));
        Assert.Equal(DialogueStatus.CostLimited, summary.Status);
        Assert.True(2 == summary.Turns, service.Export(summary.Id, "markdown"));
        Assert.Equal(2, kit.Alpha.Calls);
        Assert.True(summary.Cost <= 0.03m);
    }

    [Fact]
    public async Task IdenticalSuccessivePositionsConverge()
    {
        using var kit = new DialogueTestKit();
        kit.Alpha.Respond = p => p.StartsWith("Question", StringComparison.Ordinal) && p.Contains("Proposed answer", StringComparison.Ordinal)
            ? "NO MATERIAL OBJECTIONS"
            : "The answer is 42 because six times seven is forty-two.";
        var service = kit.Service();
        var summary = await service.RunAsync("loop", "What is six times seven?");
        Assert.Equal(DialogueStatus.Converged, summary.Status);
        var turns = service.GetTurns(summary.Id);
        Assert.Equal(["reasoner", "critic", "reasoner"], turns.Select(t => t.TurnId));
        Assert.True(turns[2].Similarity >= 0.92);
        Assert.Null(turns[0].Similarity);
    }

    [Fact]
    public async Task AFailingSimilarityFallsBackToTheLexicalCosine()
    {
        using var kit = new DialogueTestKit();
        kit.Alpha.Respond = _ => "The same position every time.";
        var service = kit.Service();
        service.Similarity = (_, _, _) => throw new InvalidOperationException("embedder missing");
        var summary = await service.RunAsync("loop", "x");
        Assert.Equal(DialogueStatus.Converged, summary.Status);
        Assert.Equal(1.0, service.GetTurns(summary.Id)[^1].Similarity!.Value, 6);
    }

    [Fact]
    public async Task DivergingPositionsRunToMaxTurnsWithAnInjectedSimilarity()
    {
        using var kit = new DialogueTestKit();
        var service = kit.Service();
        var calls = 0;
        service.Similarity = (_, _, _) => Task.FromResult(Interlocked.Increment(ref calls) >= 3 ? 0.95 : 0.1);
        var summary = await service.RunAsync("loop", "Anything");
        var turns = service.GetTurns(summary.Id);

        // Reasoner outputs compared at turns 3, 5, 7: the third comparison (turn 7) converges.
        Assert.Equal(DialogueStatus.Converged, summary.Status);
        Assert.Equal(7, turns.Count);
        Assert.Equal(3, calls);

        calls = -100;
        var capped = await service.RunAsync("loop", "Anything else");
        Assert.Equal(DialogueStatus.Completed, capped.Status);
        Assert.Equal(10, capped.Turns);
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], service.GetTurns(capped.Id).Select(t => t.Round));
    }

    [Fact]
    public async Task LowJudgeScoreTriggersRefinementUntilItClears()
    {
        using var kit = new DialogueTestKit();
        var critiques = 0;
        kit.Alpha.Respond = p => p.StartsWith("Critique", StringComparison.Ordinal)
            ? $"Too vague.\nSCORE: {(Interlocked.Increment(ref critiques) < 3 ? "0.4" : "0.85")}"
            : "A draft.";
        var service = kit.Service();
        var summary = await service.RunAsync("critique", "Write a haiku about SQLite");
        Assert.Equal(DialogueStatus.Completed, summary.Status);
        var turns = service.GetTurns(summary.Id);
        Assert.Equal(["draft", "critic", "revise", "critic", "revise", "critic"], turns.Select(t => t.TurnId));
        Assert.Equal([0.4, 0.4, 0.85], turns.Where(t => t.TurnId == "critic").Select(t => t.Score!.Value));
    }

    [Fact]
    public async Task JudgeRefinementIsBoundedByMaxTurns()
    {
        using var kit = new DialogueTestKit();
        kit.Alpha.Respond = p => p.StartsWith("Critique", StringComparison.Ordinal) ? "SCORE: 0.1" : "A draft.";
        var service = kit.Service();
        var summary = await service.RunAsync("critique", "Never good enough");
        Assert.Equal(7, summary.Turns);
    }

    [Fact]
    public async Task SpawnedSubDialoguesMergeBackAndStopAtMaxDepth()
    {
        using var kit = new DialogueTestKit();
        kit.WriteMode("split", """
            {"name":"split","description":"d","structure":"sequential","turns":[
              {"id":"plan","role":"planner","participant":{"capabilities":["chat"]},"prompt":"Split {topic}","spawn":{"subtopics_from":"self","max_depth":1}},
              {"id":"sum","role":"writer","participant":{"capabilities":["chat"]},"prompt":"Summarise: {previous}"}]}
            """);
        kit.Alpha.Respond = p => p.StartsWith("Split", StringComparison.Ordinal) ? "Parts:\n- storage\n- indexing" : "summary of " + p.Split('\n')[0];
        var service = kit.Service();
        var summary = await service.RunAsync("split", "the engine");
        Assert.Equal(DialogueStatus.Completed, summary.Status);
        var turns = service.GetTurns(summary.Id);
        Assert.Equal(2, turns.Count);
        Assert.Contains("## Sub-dialogues", turns[0].Output, StringComparison.Ordinal);
        Assert.Contains("### storage", turns[0].Output, StringComparison.Ordinal);
        Assert.Contains("### indexing", turns[0].Output, StringComparison.Ordinal);
        Assert.Contains("### storage", turns[1].Prompt, StringComparison.Ordinal);

        // Two children of depth 1 that did not spawn again (max_depth 1); the parent's cost includes theirs.
        Assert.Single(service.List());
        var json = JsonDocument.Parse(service.Export(summary.Id, "json")).RootElement;
        var children = json.GetProperty("subDialogues").EnumerateArray().ToList();
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Empty(c.GetProperty("subDialogues").EnumerateArray()));
        Assert.All(children, c => Assert.DoesNotContain("## Sub-dialogues", c.GetProperty("turns")[0].GetProperty("output").GetString(), StringComparison.Ordinal));
        Assert.Equal(6, kit.Alpha.Calls);
    }

    [Fact]
    public async Task RelevantOnlyContextStaysWithinItsTokenBudget()
    {
        using var kit = new DialogueTestKit();
        var filler = string.Join("\n\n", Enumerable.Range(0, 60).Select(i => $"Paragraph {i} about unrelated gardening tips and soil number {i}."));
        kit.Alpha.Respond = p => p.Contains("Proposed answer", StringComparison.Ordinal) ? "NO MATERIAL OBJECTIONS\n\n" + filler : "Position on primes.\n\n" + filler;
        kit.WriteMode("tight", """
            {"name":"tight","description":"d","structure":"sequential","max_turns":6,"turns":[
              {"id":"reasoner","role":"reasoner","participant":{"model":"alpha"},"prompt":"Question: {topic}\n{context}","context_from":{"turns":["reasoner","critic"],"relevant_only":true,"max_tokens":200}},
              {"id":"critic","role":"critic","participant":{"model":"alpha"},"prompt":"Proposed answer:\n{previous}"}],
             "convergence":{"threshold":1.0,"between":["reasoner"]}}
            """);
        var service = kit.Service();
        service.Similarity = (_, _, _) => Task.FromResult(0.0);
        var summary = await service.RunAsync("tight", "primes");
        var reasoners = service.GetTurns(summary.Id).Where(t => t.TurnId == "reasoner").ToList();
        Assert.Equal(3, reasoners.Count);
        foreach (var r in reasoners.Skip(1))
        {
            var context = r.Prompt["Question: primes\n".Length..];
            Assert.InRange(context.Length, 1, 200 * 4);
        }

        Assert.Contains("primes", reasoners[2].Prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondResumeWhileOneRunsIsRefusedAndLaterSucceeds()
    {
        using var kit = new DialogueTestKit();
        kit.Alpha.Latency = TimeSpan.FromMilliseconds(300);
        var service = kit.Service();
        var id = service.Start("detective", "Why is the build slow?");
        var first = service.ResumeAsync(id);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (kit.Alpha.Calls == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        // Another service over the same database (as another process would be) cannot run the same dialogue now.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => kit.Service().ResumeAsync(id));
        Assert.Contains(id, error.Message, StringComparison.Ordinal);

        var summary = await first;
        Assert.Equal(DialogueStatus.Completed, summary.Status);
        Assert.Equal(4, kit.Alpha.Calls);
        Assert.Equal(DialogueStatus.Completed, (await kit.Service().ResumeAsync(id)).Status);
        Assert.Equal(4, kit.Alpha.Calls);
    }

    [Fact]
    public async Task ResumeAfterInterruptionRunsOnlyTheMissingTurns()
    {
        using var kit = new DialogueTestKit();
        var service = kit.Service();
        using var cts = new CancellationTokenSource();
        service.TurnCommitted = (_, seq) =>
        {
            if (seq == 1)
            {
                cts.Cancel();
            }
        };
        var id = service.Start("detective", "Why is the build slow?");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.ResumeAsync(id, null, cts.Token));
        Assert.Equal(DialogueStatus.Running, service.Get(id).Status);
        Assert.Equal(2, service.Get(id).Turns);
        var before = kit.Alpha.Calls;
        Assert.Equal(2, before);

        service.TurnCommitted = null;
        var fresh = kit.Service();
        var summary = await fresh.ResumeAsync(id);
        Assert.Equal(DialogueStatus.Completed, summary.Status);
        var turns = fresh.GetTurns(id);
        Assert.Equal(["hypotheses", "evidence", "test", "conclusion"], turns.Select(t => t.TurnId));
        Assert.Equal(4, kit.Alpha.Calls);
        Assert.Contains(turns[0].Output, turns[2].Prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HundredDialoguesAtTenPercentFailuresAllComplete()
    {
        using var kit = new DialogueTestKit();
        kit.Alpha.FailureRate = 0.1;
        kit.Beta.FailureRate = 0.1;
        var service = kit.Service();
        var summaries = new List<DialogueSummary>();
        for (var batch = 0; batch < 10; batch++)
        {
            summaries.AddRange(await Task.WhenAll(Enumerable.Range(0, 10).Select(i => service.RunAsync(i % 2 == 0 ? "debate" : "panel", $"topic {batch}-{i}"))));
        }

        Assert.Equal(100, summaries.Count);
        Assert.All(summaries, s => Assert.Equal(DialogueStatus.Completed, s.Status));
        // The router absorbs most injected failures by retrying the same model, so whether any turn was substituted
        // depends on how the failures fell; what must hold is that failures were injected and every dialogue completed.
        Assert.True(kit.Alpha.Failures + kit.Beta.Failures > 0, "10% failures should have been injected");
        Assert.Equal(100, service.List().Count);
    }

    [Fact]
    public async Task ModelListOverridesParticipantsInTurnOrder()
    {
        using var kit = new DialogueTestKit();
        var service = kit.Service();
        var summary = await service.RunAsync("debate", "x", new DialogueOptions(Models: ["beta", "alpha"]));
        Assert.Equal(["beta", "alpha", "beta"], service.GetTurns(summary.Id).Select(t => t.Model));
        Assert.Throws<ArgumentException>(() => service.Start("debate", "x", new DialogueOptions(Models: ["gamma"])));
    }

    [Fact]
    public async Task ExportsCarryMetricsAndBadArgumentsAreClear()
    {
        using var kit = new DialogueTestKit();
        var service = kit.Service();
        var summary = await service.RunAsync("panel", "Monorepo or polyrepo?");
        var md = service.Export(summary.Id, "markdown");
        Assert.Contains("# Dialogue " + summary.Id, md, StringComparison.Ordinal);
        Assert.Contains("synthesizer", md, StringComparison.Ordinal);
        Assert.Contains(" in / ", md, StringComparison.Ordinal);
        var json = JsonDocument.Parse(service.Export(summary.Id, "json")).RootElement;
        Assert.Equal(4, json.GetProperty("metrics").GetProperty("turns").GetInt32());
        Assert.Equal(summary.Cost, json.GetProperty("metrics").GetProperty("cost").GetDecimal());
        var turn = json.GetProperty("turns")[0];
        foreach (var field in new[] { "model", "latencyMs", "inputTokens", "outputTokens", "cost", "prompt", "output" })
        {
            Assert.True(turn.TryGetProperty(field, out _), field);
        }

        Assert.Throws<KeyNotFoundException>(() => service.Export("nope", "json"));
        Assert.Throws<ArgumentException>(() => service.Export(summary.Id, "html"));
        Assert.Contains("debate", Assert.Throws<ArgumentException>(() => service.Start("nonesuch", "t")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => service.Start("debate", "  "));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => service.ResumeAsync("nope"));
    }

    [Fact]
    public async Task TurnLogsCarryTheDialogueIdAsCorrelationId()
    {
        using var kit = new DialogueTestKit();
        var logger = new ScopeCapturingLogger();
        var service = kit.Service(logger: logger);
        var summary = await service.RunAsync("debate", "Tabs secret");
        Assert.Contains(logger.Lines, l => l.Scope == summary.Id && l.Message.Contains("judge", StringComparison.Ordinal));
        Assert.All(kit.Ledger.GetEntries(), e => Assert.Equal(summary.Id, e.CorrelationId));
        Assert.DoesNotContain(logger.Lines, l => l.Message.Contains("Tabs", StringComparison.Ordinal));
    }

    [Fact]
    public void ReloadModesPicksUpNewFiles()
    {
        using var kit = new DialogueTestKit();
        var service = kit.Service();
        Assert.DoesNotContain(service.ListModes(), m => m.Name == "one");
        kit.WriteMode("one", OneTurn);
        Assert.DoesNotContain(service.ListModes(), m => m.Name == "one");
        service.ReloadModes();
        Assert.Contains(service.ListModes(), m => m.Name == "one" && m.Description == "d");
    }

    [Fact]
    public void ForeignDatabaseIsRefused()
    {
        using var kit = new DialogueTestKit();
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + kit.DatabasePath))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE other (x)";
            cmd.ExecuteNonQuery();
        }

        var e = Assert.Throws<InvalidOperationException>(() => kit.Service().List());
        Assert.Contains("not an Engram dialogue database", e.Message, StringComparison.Ordinal);
    }
}
