using Engram.Features.Hosting;
using Engram.Features.Inline;
using Engram.Features.Tests.Related;
using Engram.Features.Tests.Support;
using Engram.Models.Configuration;
using Engram.Models.Providers.LocalGguf;
using Microsoft.Extensions.AI;

namespace Engram.Features.Tests.Inline;

public sealed class InlineCompletionServiceTests
{
    private static InlineCompletionRequest Request(string fixture, string path = "/tmp/work/a.cs")
    {
        var (text, offset) = Caret.Parse(fixture);
        return new InlineCompletionRequest(path, text, offset, "csharp", MaxOutputTokens: 64);
    }

    [Fact]
    public async Task Remote_prompt_has_prefix_suffix_markers_and_context_from_other_files()
    {
        await using var indexed = await IndexedWorkspace.CreateAsync(RelatedTests.Files);
        var client = new FakeChatClient("var json = File.ReadAllText(path);") { ModelId = "remote-coder" };
        var service = new InlineCompletionService(() => client, indexed.Workspace);
        var path = indexed.Repo.PathOf("src/Config/NewLoader.cs");
        var request = Request("class NewLoader\n{\n    Settings LoadSettingsJson(string path)\n    {\n        $0\n    }\n}\n", path);

        var result = await service.CompleteAsync(request);

        Assert.NotNull(result);
        Assert.Equal("var json = File.ReadAllText(path);", result.InsertText);
        Assert.Equal(request.Offset, result.ReplaceStart);
        Assert.Equal(request.Offset, result.ReplaceEnd);
        Assert.Equal("remote-coder", result.Model);
        Assert.False(result.Reused);
        Assert.Contains("src/Config/SettingsReader.cs", result.ContextPaths);
        Assert.DoesNotContain("src/Config/NewLoader.cs", result.ContextPaths);

        var (messages, options) = client.Calls.Single();
        Assert.Equal(ChatRole.System, messages[0].Role);
        var user = messages[^1].Text;
        Assert.Contains("<prefix>class NewLoader\n{\n    Settings LoadSettingsJson(string path)\n    {\n        </prefix><suffix>\n    }\n}\n</suffix>", user);
        Assert.Contains("// Path: src/Config/SettingsReader.cs", user);
        Assert.Contains("ReadSettingsJson(string file)", user);
        Assert.Equal(64, options!.MaxOutputTokens);
        Assert.False(options.AdditionalProperties?.ContainsKey(LocalGgufChatClient.FimSuffixProperty) ?? false);
    }

    [Fact]
    public async Task Local_models_get_a_fim_request_with_context_comments_before_the_prefix()
    {
        await using var indexed = await IndexedWorkspace.CreateAsync(RelatedTests.Files);
        var client = new FakeChatClient("return 1;") { ProviderName = "local-gguf" };
        var service = new InlineCompletionService(() => client, indexed.Workspace);
        var request = Request("# Circle area\ndef ring_area(radius):\n    $0\n\nprint(ring_area(2))\n", indexed.Repo.PathOf("tools/ring.py"));

        var result = await service.CompleteAsync(request with { LanguageId = "python" });

        Assert.NotNull(result);
        var (messages, options) = client.Calls.Single();
        var prompt = Assert.Single(messages).Text;
        Assert.EndsWith("# Circle area\ndef ring_area(radius):\n    ", prompt);
        Assert.StartsWith("# Path: ", prompt);
        Assert.Contains("# Path: src/Geometry/Circle.cs", prompt);
        Assert.Equal("\n\nprint(ring_area(2))\n", options!.AdditionalProperties![LocalGgufChatClient.FimSuffixProperty]);
        Assert.Contains("src/Geometry/Circle.cs", result.ContextPaths);
    }

    [Fact]
    public async Task Reuses_the_suggestion_while_the_user_types_through_it()
    {
        var client = new FakeChatClient("Console.WriteLine(message);");
        var service = new InlineCompletionService(() => client, null);
        var first = await service.CompleteAsync(Request("void Log(string message)\n{\n    $0\n}\n"));
        Assert.NotNull(first);

        var typed = await service.CompleteAsync(Request("void Log(string message)\n{\n    Console.Wr$0\n}\n"));

        Assert.NotNull(typed);
        Assert.True(typed.Reused);
        Assert.Null(typed.Model);
        Assert.Equal("iteLine(message);", typed.InsertText);
        Assert.Single(client.Calls);

        // Typing something else asks the model again.
        await service.CompleteAsync(Request("void Log(string message)\n{\n    Debug$0\n}\n"));
        Assert.Equal(2, client.Calls.Count);
    }

    [Theory]
    [InlineData("if (x > 0$0)\n{\n}\n", " && y > 0)", " && y > 0)", 1)]
    [InlineData("void M()\n{\n    $0\n}\n", "if (a)\n    {\n        b();\n    }\n}", "if (a)\n    {\n        b();\n    }", 0)]
    [InlineData("Call(\"a$0\");\n", "b\");", "b\");", 3)]
    [InlineData("int Add(int a, int b)\n{\n    $0\n}\n\nint Sub() => 0;\n", "return a + b;\n}\n\nint Sub() => 0;", "return a + b;", 0)]
    [InlineData("x = $0\n", "1;\n\n\n   \n", "1;", 0)]
    [InlineData("x = $0;\n", "value", "value", 0)]
    public async Task Post_processes_suffix_overlap_and_trailing_lines(string fixture, string answer, string expected, int replaced)
    {
        var service = new InlineCompletionService(() => new FakeChatClient(answer), null);
        var request = Request(fixture);

        var result = await service.CompleteAsync(request);

        Assert.NotNull(result);
        Assert.Equal(expected, result.InsertText);
        Assert.Equal(request.Offset + replaced, result.ReplaceEnd);
    }

    [Fact]
    public async Task Caps_lines_and_returns_null_for_empty_answers()
    {
        var long_ = string.Join('\n', Enumerable.Range(1, 40).Select(i => $"line{i}();"));
        var capped = await new InlineCompletionService(() => new FakeChatClient(long_), null).CompleteAsync(Request("$0"));
        Assert.Equal(20, capped!.InsertText.Split('\n').Length);

        Assert.Null(await new InlineCompletionService(() => new FakeChatClient("  \n\n "), null).CompleteAsync(Request("x$0")));
        Assert.Equal("a + b", (await new InlineCompletionService(() => new FakeChatClient("```csharp\na + b\n```"), null).CompleteAsync(Request("x = $0")))!.InsertText);
    }

    [Fact]
    public async Task No_model_means_ModelUnavailableException()
    {
        var service = new InlineCompletionService(() => null, null);
        var ex = await Assert.ThrowsAsync<ModelUnavailableException>(() => service.CompleteAsync(Request("x$0")));
        Assert.Equal(ModelTask.Inline, ex.Task);
    }

    [Fact]
    public async Task Cancellation_surfaces_as_OperationCanceledException()
    {
        var client = new FakeChatClient("never") { Gate = new TaskCompletionSource() };
        var service = new InlineCompletionService(() => client, null);
        using var cts = new CancellationTokenSource();

        var pending = service.CompleteAsync(Request("x$0"), cts.Token);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.CompleteAsync(Request("x$0"), cts.Token));
    }

    [Fact]
    public async Task Prefix_is_trimmed_from_its_start_to_the_budget()
    {
        var client = new FakeChatClient("done();");
        var service = new InlineCompletionService(() => client, null) { ContextTokens = 600 };
        var text = string.Concat(Enumerable.Range(1, 500).Select(i => $"statement{i}();\n")) + "$0";

        await service.CompleteAsync(Request(text));

        var user = client.LastPrompt;
        Assert.Contains("statement500();\n</prefix>", user);
        Assert.DoesNotContain("statement1();", user);
        Assert.True(user.Length < 600 * 4);
    }

    [Fact]
    public async Task Local_gguf_gets_a_native_fim_request_and_completes()
    {
        using var local = new LocalGgufChatClient(TestModels.Stories260K, options: new LocalGgufOptions { Threads = 2, ContextSize = 384 });
        var service = new InlineCompletionService(() => local, null) { ContextTokens = 384 };
        var request = new InlineCompletionRequest("/tmp/story.txt", "Once upon a time, there was a little girl named Lily. She", 57, "plaintext", MaxOutputTokens: 16);

        var result = await service.CompleteAsync(request);

        Assert.NotNull(result);
        Assert.False(string.IsNullOrWhiteSpace(result.InsertText));
        Assert.Equal(57, result.ReplaceStart);
        Assert.NotNull(result.Model);
    }
}
