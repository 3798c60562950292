using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Engram.Models.Tests.Providers.Remote;
using Microsoft.Data.Sqlite;

namespace Engram.Cli.Tests;

/// <summary>
/// <c>engram dialogue</c> and <c>engram modes</c> through the real executable: a SIGKILL between turns and a resume that
/// repeats no completed turn (against a slow OpenAI-compatible server on loopback), the real tiny GGUF model end to end,
/// and the error contract.
/// </summary>
public sealed class DialogueCliTests
{
    [Fact]
    public async Task KilledDialogueResumesFromItsLastCompletedTurn()
    {
        await using var server = new SlowChatServer(TimeSpan.FromMilliseconds(700));
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        ModelsStatusTests.WriteUserConfig(home, JsonSerializer.Serialize(new
        {
            models = new object[]
            {
                new { name = "slow", provider = "openai", endpoint = server.Endpoint.ToString(), path = "gpt-test", capabilities = new[] { "chat", "reasoning", "review", "code" }, costPerMillionInput = 1, costPerMillionOutput = 2 },
            },
        }));
        var env = ModelsStatusTests.Isolated(home.Root);
        var database = Path.Combine(home.Root, "data", "engram", "dialogues.db");

        var info = EngramProcess.StartInfo("dialogue", "run", "detective", "--topic", "Why does the nightly build time out?", "--workspace", workspace.Root, "--json");
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        string id;
        using (var process = Process.Start(info)!)
        {
            process.StandardInput.Close();
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (TurnCount(database) < 2 && !process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.False(process.HasExited, "the dialogue ended before it could be killed");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            id = DialogueId(database);
        }

        var atKill = TurnCount(database);
        Assert.InRange(atKill, 2, 3);
        var list = await EngramProcess.RunAsync(env, "dialogue", "list", "--json");
        Assert.Equal(0, list.ExitCode);
        var listed = JsonDocument.Parse(list.StandardOutput).RootElement.GetProperty("dialogues")[0];
        Assert.Equal(id, listed.GetProperty("id").GetString());
        Assert.Equal("running", listed.GetProperty("status").GetString());

        var resumed = await EngramProcess.RunAsync(env, "dialogue", "resume", id, "--workspace", workspace.Root, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        var transcript = JsonDocument.Parse(resumed.StandardOutput).RootElement;
        Assert.Equal("completed", transcript.GetProperty("status").GetString());
        var turns = transcript.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("turn").GetString()).ToList();
        Assert.Equal(["hypotheses", "evidence", "test", "conclusion"], turns);

        // Completed turns were sent once; only the turn in flight at the kill (if any) was sent again.
        var prompts = server.Prompts.ToList();
        Assert.Equal(1, prompts.Count(p => p.Contains("Generate 3 to 5 distinct", StringComparison.Ordinal)));
        Assert.Equal(1, prompts.Count(p => p.Contains("list the evidence that supports it", StringComparison.Ordinal)));
        Assert.Equal(1, prompts.Count(p => p.Contains("State the most likely explanation", StringComparison.Ordinal)));
        Assert.InRange(prompts.Count, 4, 5);

        var show = await EngramProcess.RunAsync(env, "dialogue", "show", id, "--format", "markdown");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("## 4. detective (conclusion", show.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DebateRunsEndToEndOnTheTinyLocalModel()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        ModelsStatusTests.WriteUserConfig(home, JsonSerializer.Serialize(new
        {
            models = new object[] { new { name = "local", provider = "local-gguf", path = ModelsStatusTests.FindStories(), capabilities = new[] { "completion", "chat", "reasoning" } } },
        }));
        var run = await EngramProcess.RunAsync(ModelsStatusTests.Isolated(home.Root), "dialogue", "run", "debate", "--topic", "Cats are better pets than dogs", "--workspace", workspace.Root, "--json");
        Assert.True(run.ExitCode == 0, run.StandardError);
        var transcript = JsonDocument.Parse(run.StandardOutput).RootElement;
        Assert.Equal("completed", transcript.GetProperty("status").GetString());
        var turns = transcript.GetProperty("turns").EnumerateArray().ToList();
        Assert.Equal(["pro", "con", "judge"], turns.Select(t => t.GetProperty("turn").GetString()));
        Assert.All(turns, t => Assert.Equal("local", t.GetProperty("model").GetString()));
        Assert.All(turns, t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("output").GetString())));
        Assert.All(turns, t => Assert.True(t.GetProperty("outputTokens").GetInt64() > 0));
        Assert.Contains("[3] judge", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModesListAndValidateReportBrokenFilesWithPath()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        var env = ModelsStatusTests.Isolated(home.Root);

        var list = await EngramProcess.RunAsync(env, "modes", "list", "--json", "--workspace", workspace.Root);
        Assert.True(list.ExitCode == 0, list.StandardError);
        var names = JsonDocument.Parse(list.StandardOutput).RootElement.GetProperty("modes").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Equal(["code-review-panel", "critique", "debate", "detective", "loop", "panel", "research"], names);

        var valid = await EngramProcess.RunAsync(env, "modes", "validate", "--workspace", workspace.Root);
        Assert.True(valid.ExitCode == 0, valid.StandardError);
        Assert.Contains("7 valid, 0 invalid", valid.StandardOutput, StringComparison.Ordinal);

        workspace.Write(".engram/modes/quick.json", """{"name":"quick","description":"d","extends":"debate","overrides":{"judge":{"participant":{"capabilities":["telepathy"]}}}}""");
        var file = Path.Combine(workspace.Root, ".engram", "modes", "quick.json");
        var broken = await EngramProcess.RunAsync(env, "modes", "validate", file, "--workspace", workspace.Root);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains(file, broken.StandardError, StringComparison.Ordinal);
        Assert.Contains("$.overrides.judge.participant", broken.StandardError, StringComparison.Ordinal);

        workspace.Write(".engram/modes/quick.json", """{"name":"quick","description":"d","extends":"debate","overrides":{"judge":{"max_tokens":100}}}""");
        var fixedMode = await EngramProcess.RunAsync(env, "modes", "validate", file, "--workspace", workspace.Root);
        Assert.True(fixedMode.ExitCode == 0, fixedMode.StandardError);
        Assert.Contains("valid (3 turns", fixedMode.StandardOutput, StringComparison.Ordinal);

        var missing = await EngramProcess.RunAsync(env, "modes", "validate", Path.Combine(workspace.Root, "nope.json"));
        Assert.Equal(2, missing.ExitCode);
    }

    [Fact]
    public async Task BadDialogueInputExitsWithTwo()
    {
        using var home = new TempWorkspace(git: false);
        using var workspace = new TempWorkspace(git: false);
        ModelsStatusTests.WriteUserConfig(home, """{"models":[{"name":"m","provider":"openai","endpoint":"http://127.0.0.1:9/v1","capabilities":["chat"]}]}""");
        var env = ModelsStatusTests.Isolated(home.Root);

        var unknownMode = await EngramProcess.RunAsync(env, "dialogue", "run", "nonesuch", "--topic", "x", "--workspace", workspace.Root);
        Assert.Equal(2, unknownMode.ExitCode);
        Assert.Contains("debate", unknownMode.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", unknownMode.StandardError, StringComparison.Ordinal);
        Assert.Equal("", unknownMode.StandardOutput);

        var emptyTopic = await EngramProcess.RunAsync(env, "dialogue", "run", "debate", "--topic", " ", "--workspace", workspace.Root);
        Assert.Equal(2, emptyTopic.ExitCode);

        var unknownId = await EngramProcess.RunAsync(env, "dialogue", "show", "01NOPE");
        Assert.Equal(2, unknownId.ExitCode);
        Assert.Contains("01NOPE", unknownId.StandardError, StringComparison.Ordinal);

        using var emptyHome = new TempWorkspace(git: false);
        var noModels = await EngramProcess.RunAsync(ModelsStatusTests.Isolated(emptyHome.Root), "dialogue", "run", "debate", "--topic", "x", "--workspace", workspace.Root);
        Assert.Equal(1, noModels.ExitCode);
        Assert.Contains("no model is configured", noModels.StandardError, StringComparison.Ordinal);
    }

    private static int TurnCount(string database) => (int)(long)(Query(database, "SELECT count(*) FROM turns") ?? 0L);

    private static string DialogueId(string database) => (string)Query(database, "SELECT id FROM dialogues")!;

    private static object? Query(string database, string sql)
    {
        if (!File.Exists(database))
        {
            return null;
        }

        try
        {
            using var c = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            return cmd.ExecuteScalar();
        }
        catch (SqliteException)
        {
            return null;
        }
    }

    /// <summary>An OpenAI-compatible chat endpoint on loopback (the Models tests' <see cref="FakeHttpServer"/>) that answers every request after a delay.</summary>
    private sealed class SlowChatServer : IAsyncDisposable
    {
        private readonly FakeHttpServer _server;

        public SlowChatServer(TimeSpan delay) => _server = new FakeHttpServer(request =>
        {
            var messages = JsonDocument.Parse(request.Body).RootElement.GetProperty("messages");
            var prompt = messages[messages.GetArrayLength() - 1].GetProperty("content").ToString();
            Prompts.Enqueue(prompt);
            Thread.Sleep(delay); // Each request is served on its own task.
            var answer = "Answer to: " + prompt.Split('\n')[0] + "\n- hypothesis one\n- hypothesis two";
            return new FakeResponse(200, JsonSerializer.Serialize(new
            {
                id = "chatcmpl-1",
                @object = "chat.completion",
                created = 1700000000,
                model = "gpt-test",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = answer }, finish_reason = "stop" } },
                usage = new { prompt_tokens = prompt.Length / 4, completion_tokens = answer.Length / 4, total_tokens = (prompt.Length + answer.Length) / 4 },
            }));
        });

        public Uri Endpoint => _server.At("v1");

        public ConcurrentQueue<string> Prompts { get; } = new();

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }
}
