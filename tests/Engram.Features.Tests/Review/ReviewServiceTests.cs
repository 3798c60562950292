using Engram.Features.Review;
using Engram.Features.Tests.Support;

namespace Engram.Features.Tests.Review;

public sealed class ReviewServiceTests : IDisposable
{
    private readonly TempGitRepo _repo = new();
    private readonly ReviewService _service = new();

    public void Dispose() => _repo.Dispose();

    private static string Numbered(int count, string word = "line") => string.Concat(Enumerable.Range(1, count).Select(i => $"{word} {i}\n"));

    [Fact]
    public async Task Reviews_modified_staged_and_untracked_files_with_new_line_numbers()
    {
        _repo.Write("a.txt", Numbered(20)).Write("b.txt", Numbered(5)).Write("gone.txt", "x\n").Commit();
        _repo.Write("a.txt", Numbered(20).Replace("line 10\n", "line 10 changed\n").Replace("line 15\n", "line 15\ninserted\n"));
        _repo.Write("b.txt", "staged 0\n" + Numbered(5));
        _repo.Stage("b.txt");
        _repo.Write("new/c.txt", "brand\nnew\n");
        _repo.Delete("gone.txt");
        var client = new FakeChatClient("""
            Sure! Here is my review:
            ```json
            {"findings":[
              {"path":"a.txt","startLine":10,"endLine":10,"severity":"error","code":"bad-change","message":"Wrong.","suggestedFix":"line 10\n"},
              {"path":"a.txt","startLine":2,"endLine":2,"severity":"warning","code":"x","message":"Outside the change."},
              {"path":"./new/c.txt","startLine":2,"severity":"hint","code":"naming","message":"Call it old.","suggestedFix":"old"},
              {"path":"other.txt","startLine":1,"endLine":1,"severity":"error","code":"x","message":"Not reviewed."},
              {"path":"b.txt","startLine":1,"endLine":99,"severity":"information","code":"staged","message":"Seen."}
            ]}
            ```
            Hope that helps.
            """) { ModelId = "review-model" };

        var result = await _service.ReviewChangesAsync(_repo.Root, null, null, client);

        Assert.Equal(["a.txt", "b.txt", "new/c.txt"], result.ReviewedPaths);
        Assert.Equal("review-model", result.Model);
        Assert.Equal(2, result.Dropped);
        Assert.Equal(
            [
                new ReviewFinding("a.txt", 10, 10, ReviewSeverity.Error, "bad-change", "Wrong.", "line 10\n"),
                new ReviewFinding("b.txt", 1, 6, ReviewSeverity.Information, "staged", "Seen.", null),
                new ReviewFinding("new/c.txt", 2, 2, ReviewSeverity.Hint, "naming", "Call it old.", "old\n"),
            ],
            result.Findings);

        var prompt = client.LastPrompt;
        Assert.Contains("File: a.txt", prompt);
        Assert.Contains("+    10| line 10 changed", prompt);
        Assert.Contains("+    16| inserted", prompt);
        Assert.Contains("      7| line 7", prompt);
        Assert.DoesNotContain("      6| line 6", prompt); // beyond the 3 context lines
        Assert.Contains("+     1| staged 0", prompt);
        Assert.Contains("+     1| brand", prompt);
        Assert.DoesNotContain("gone.txt", prompt);
        Assert.Single(client.Calls);
    }

    [Fact]
    public async Task Restricts_to_paths_and_reviews_against_a_base_revision()
    {
        _repo.Write("a.txt", Numbered(3)).Write("b.txt", Numbered(3));
        var first = _repo.Commit("one");
        _repo.Write("a.txt", Numbered(4)).Commit("two");
        _repo.Write("b.txt", Numbered(3) + "more\n");
        var client = new FakeChatClient("""{"findings":[{"path":"a.txt","startLine":4,"endLine":4,"severity":"warning","code":"c","message":"m"}]}""");

        var againstFirst = await _service.ReviewChangesAsync(_repo.Root, first, ["a.txt"], client);

        Assert.Equal(["a.txt"], againstFirst.ReviewedPaths);
        Assert.Single(againstFirst.Findings);
        Assert.DoesNotContain("File: b.txt", client.LastPrompt);
    }

    [Fact]
    public async Task Nothing_changed_means_no_model_call()
    {
        _repo.Write("a.txt", "x\n").Commit();
        var client = new FakeChatClient("{}");

        var result = await _service.ReviewChangesAsync(_repo.Root, null, null, client);

        Assert.Empty(result.Findings);
        Assert.Empty(result.ReviewedPaths);
        Assert.Null(result.Model);
        Assert.Empty(client.Calls);
    }

    [Theory]
    [InlineData("I could not find anything.")]
    [InlineData("{\"findings\": [ {\"path\": \"a.txt\", \"startLine\": ")]
    [InlineData("{\"findings\": \"none\"}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("")]
    public async Task Malformed_answers_give_no_findings(string answer)
    {
        _repo.Write("a.txt", "x\n");
        var result = await _service.ReviewChangesAsync(_repo.Root, null, null, new FakeChatClient(answer));
        Assert.Empty(result.Findings);
        Assert.Equal(["a.txt"], result.ReviewedPaths);
    }

    [Fact]
    public async Task Large_diffs_are_split_into_several_calls()
    {
        _repo.Write("seed.txt", "s\n").Commit();
        for (var i = 0; i < 6; i++)
        {
            _repo.Write($"f{i}.txt", Numbered(80, new string('x', 40)));
        }

        var service = new ReviewService { MaxPromptChars = 5000 };
        var client = new FakeChatClient((messages, _) =>
        {
            var file = System.Text.RegularExpressions.Regex.Match(messages[^1].Text, @"File: (f\d\.txt)").Groups[1].Value;
            return $$"""{"findings":[{"path":"{{file}}","startLine":1,"endLine":1,"severity":"warning","code":"c","message":"m"}]}""";
        });

        var result = await service.ReviewChangesAsync(_repo.Root, null, null, client);

        Assert.True(client.Calls.Count >= 6, $"{client.Calls.Count} calls");
        Assert.All(client.Calls, c => Assert.True(c.Messages[^1].Text.Length < 5000 + 1500));
        Assert.Equal(6, result.Findings.Count);
        Assert.Equal(6, result.ReviewedPaths.Count);
    }

    [Fact]
    public async Task One_file_larger_than_the_budget_is_split_by_region()
    {
        _repo.Write("big.txt", Numbered(300, new string('y', 40))).Commit();
        var service = new ReviewService { MaxPromptChars = 4000 };
        var client = new FakeChatClient("""{"findings":[{"path":"big.txt","startLine":250,"endLine":250,"severity":"warning","code":"c","message":"m"}]}""");
        _repo.Write("big.txt", Numbered(300, new string('z', 40)));

        var result = await service.ReviewChangesAsync(_repo.Root, null, null, client);

        Assert.True(client.Calls.Count >= 4, $"{client.Calls.Count} calls");
        Assert.All(client.Calls, c => Assert.Contains("File: big.txt", c.Messages[^1].Text));
        Assert.Contains(client.Calls, c => c.Messages[^1].Text.Contains("+   300| " + new string('z', 40) + " 300"));
        Assert.Single(result.Findings); // the same finding from every call is kept once
    }

    [Fact]
    public async Task Not_a_repository_or_bad_revision_is_an_argument_error()
    {
        using var plain = new TempGitRepo(init: false);
        await Assert.ThrowsAsync<ArgumentException>(() => _service.ReviewChangesAsync(plain.Root, null, null, new FakeChatClient("{}")));
        _repo.Write("a.txt", "x\n").Commit();
        await Assert.ThrowsAsync<ArgumentException>(() => _service.ReviewChangesAsync(_repo.Root, "no-such-branch", null, new FakeChatClient("{}")));
    }

    [Fact]
    public async Task Reviews_a_range_of_a_document()
    {
        var text = Numbered(30);
        var client = new FakeChatClient("""
            {"findings":[
              {"startLine":12,"endLine":13,"severity":2,"code":"off-by-one","message":"Loop bound."},
              {"path":"src/x.cs","startLine":25,"endLine":25,"severity":"error","code":"x","message":"Outside."}
            ]}
            """);

        var result = await _service.ReviewRangeAsync("src/x.cs", text, 10, 14, client);

        Assert.Equal([new ReviewFinding("src/x.cs", 12, 13, ReviewSeverity.Warning, "off-by-one", "Loop bound.", null)], result.Findings);
        Assert.Equal(1, result.Dropped);
        Assert.Contains("+    14| line 14", client.LastPrompt);
        Assert.Contains("     17| line 17", client.LastPrompt);
        Assert.DoesNotContain("| line 18", client.LastPrompt);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _service.ReviewRangeAsync("x", text, 5, 4, client));
    }

    [Fact]
    public void Changed_lines_against_head()
    {
        _repo.Write("src/a.txt", Numbered(10)).Commit();
        var edited = Numbered(10).Replace("line 3\n", "line three\n").Replace("line 8\n", "") + "tail 1\ntail 2\n";

        Assert.Equal([(3, 3), (10, 11)], _service.ChangedLines(_repo.Root, "src/a.txt", edited));
        Assert.Empty(_service.ChangedLines(_repo.Root, "src/a.txt", Numbered(10)));
        Assert.Equal([(1, 2)], _service.ChangedLines(_repo.Root, "src/untracked.txt", "a\nb\n"));
        Assert.Equal([(1, 4)], _service.ChangedLines(_repo.Root, "src/a.txt", "new\r\nfile\r\nwith\r\nCRLF"));
    }

    [Fact]
    public void Changed_lines_outside_git_is_the_whole_file()
    {
        using var plain = new TempGitRepo(init: false);
        Assert.Equal([(1, 3)], _service.ChangedLines(plain.Root, "a.txt", "a\nb\nc"));
        Assert.Empty(_service.ChangedLines(plain.Root, "a.txt", ""));
    }

    [Fact]
    public void Changed_lines_in_a_root_below_the_repository()
    {
        _repo.Write("sub/a.txt", "one\ntwo\n").Commit();
        Assert.Equal([(2, 2)], _service.ChangedLines(Path.Combine(_repo.Root, "sub"), "a.txt", "one\n2\n"));
    }
}
