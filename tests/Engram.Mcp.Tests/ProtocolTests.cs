using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Engram.Mcp.Tests;

public sealed class ProtocolTests
{
    [Fact]
    public async Task Resources_serve_the_index_status_and_the_mode_files()
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var resources = await client.ListResourcesAsync();
        Assert.Contains(resources, r => r.Uri == "engram://index/status");
        var templates = await client.ListResourceTemplatesAsync();
        Assert.Equal(["engram://dialogues/{id}", "engram://modes/{name}"], templates.Select(t => t.UriTemplate).Order());

        var status = await client.ReadResourceAsync("engram://index/status");
        using (var document = JsonDocument.Parse(Assert.IsType<TextResourceContents>(status.Contents[0]).Text))
        {
            var root = document.RootElement.GetProperty("roots")[0];
            Assert.Equal(host.Repo.Root, root.GetProperty("root").GetString());
            Assert.True(root.GetProperty("indexed").GetBoolean());
        }

        var debate = await client.ReadResourceAsync("engram://modes/debate");
        var text = Assert.IsType<TextResourceContents>(debate.Contents[0]).Text;
        Assert.Equal(File.ReadAllText(Path.Combine(McpTestHost.ModesDirectory, "debate.json")), text);

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("engram://modes/nope").AsTask());
        Assert.Contains("No mode named 'nope'", ex.Message);
        Assert.Contains("debate", ex.Message);
    }

    [Fact]
    public async Task Prompts_cover_every_mode_plus_research_and_review_with_arguments()
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var prompts = await client.ListPromptsAsync();
        var modes = Directory.EnumerateFiles(McpTestHost.ModesDirectory, "*.json")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => n != "mode.schema")
            .Select(n => "dialogue-" + n);
        Assert.Equal(modes.Append("research").Append("review").Order(), prompts.Select(p => p.Name).Order());
        var debate = prompts.Single(p => p.Name == "dialogue-debate");
        Assert.StartsWith("Two participants argue", debate.Description);
        Assert.Equal("topic", Assert.Single(debate.ProtocolPrompt.Arguments!).Name);

        var result = await client.GetPromptAsync("dialogue-debate", new Dictionary<string, object?> { ["topic"] = "Monorepos" });
        var message = Assert.Single(result.Messages);
        Assert.Contains("dialogue_run", Assert.IsType<TextContentBlock>(message.Content).Text);
        Assert.Contains("Monorepos", ((TextContentBlock)message.Content).Text);

        var research = await client.GetPromptAsync("research", new Dictionary<string, object?> { ["question"] = "Where is tax applied?", ["depth"] = "3" });
        Assert.Contains("depth 3", ((TextContentBlock)research.Messages[0].Content).Text);
        var review = await client.GetPromptAsync("review", new Dictionary<string, object?> { ["base"] = "main", ["paths"] = "a.cs, b.cs" });
        Assert.Contains("[\"a.cs\", \"b.cs\"]", ((TextContentBlock)review.Messages[0].Content).Text);

        var missing = await Assert.ThrowsAsync<McpProtocolException>(() => client.GetPromptAsync("research").AsTask());
        Assert.Contains("needs the argument 'question'", missing.Message);
        await Assert.ThrowsAsync<McpProtocolException>(() => client.GetPromptAsync("no-such-prompt").AsTask());
    }

    [Fact]
    public async Task Completion_offers_mode_names_file_paths_and_depths()
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var modes = await client.CompleteAsync(new ResourceTemplateReference { Uri = "engram://modes/{name}" }, "name", "de");
        Assert.Equal(["debate", "detective"], modes.Completion.Values);

        var top = await client.CompleteAsync(new PromptReference { Name = "review" }, "paths", "");
        Assert.Contains("src/", top.Completion.Values);
        Assert.Contains("web/", top.Completion.Values);
        Assert.DoesNotContain(".git/", top.Completion.Values);
        var nested = await client.CompleteAsync(new PromptReference { Name = "review" }, "paths", "src/Bi");
        Assert.Equal(["src/Billing/"], nested.Completion.Values);
        var second = await client.CompleteAsync(new PromptReference { Name = "review" }, "paths", "docs/billing.md, web/c");
        Assert.Equal(["docs/billing.md,web/cart.ts"], second.Completion.Values);
        var escape = await client.CompleteAsync(new PromptReference { Name = "review" }, "paths", "../");
        Assert.Empty(escape.Completion.Values);
        var depth = await client.CompleteAsync(new PromptReference { Name = "research" }, "depth", "");
        Assert.Equal(5, depth.Completion.Values.Count);
    }

    [Theory]
    [InlineData("../outside.txt", "'..' segments")]
    [InlineData("/etc/passwd", "outside the workspace roots")]
    [InlineData(".git/HEAD", ".git internals")]
    [InlineData("src/../../x", "'..' segments")]
    public async Task Every_path_taking_tool_refuses_escapes(string path, string reason)
    {
        await using var host = await McpTestHost.StartAsync();
        var client = await host.ConnectAsync();
        foreach (var (tool, args) in new (string, object)[]
        {
            ("read_code", new { path, start_line = 1, end_line = 1 }),
            ("related", new { path, line = 1 }),
            ("explain", new { path, line = 1 }),
            ("generate_docs", new { path, line = 1 }),
        })
        {
            var result = await client.CallAsync(tool, args);
            Assert.True(result.IsError, tool);
            Assert.Contains(reason, result.Text());
        }
    }

    [Fact]
    public async Task Client_roots_are_added_to_the_workspace_and_indexed()
    {
        using var second = new FixtureRepo("second");
        second.Write("lib/Telemetry.cs", "namespace Lib;\n\npublic static class Telemetry\n{\n    public static void RecordHeartbeat() { }\n}");
        await using var host = await McpTestHost.StartAsync(cacheIndexes: true);
        var options = new McpClientOptions
        {
#pragma warning disable MCP9005 // Roots: deprecated in 2026-07-28, still how 2025-11-25 clients name folders.
            Capabilities = new ClientCapabilities { Roots = new RootsCapability() },
            Handlers = new McpClientHandlers
            {
                RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult
                {
                    Roots = [new Root { Uri = new Uri(second.Root).AbsoluteUri, Name = "second" }, new Root { Uri = "https://example.com/x" }],
                }),
            },
#pragma warning restore MCP9005
        };
        var client = await host.ConnectAsync(options);
        var status = (await client.CallAsync("index_status")).Json();
        Assert.Equal([host.Repo.Root, second.Root], status.GetProperty("roots").EnumerateArray().Select(r => r.GetProperty("root").GetString()));
        // The host under test does not index in the background (IndexOnStart = false).
        (await client.CallAsync("index_update")).Json();
        var hits = (await client.CallAsync("search_code", new { query = "RecordHeartbeat" })).Json().GetProperty("hits");
        Assert.Contains(hits.EnumerateArray(), h => h.GetProperty("root").GetString() == second.Root && h.GetProperty("path").GetString() == "lib/Telemetry.cs");
        var read = (await client.CallAsync("read_code", new { path = "lib/Telemetry.cs", start_line = 5, end_line = 5 })).Json();
        Assert.Contains("RecordHeartbeat", read.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Ten_concurrent_clients_run_a_hundred_searches_each_without_error()
    {
        await using var host = await McpTestHost.StartAsync();
        var clients = new List<McpClient>();
        for (var i = 0; i < 10; i++)
        {
            clients.Add(await host.ConnectAsync());
        }

        string[] queries = ["invoice total", "RoundToCents", "shipping cost weight", "cartTotal", "format price", "tax rate"];
        var failures = 0;
        var hits = 0;
        await Task.WhenAll(clients.Select((client, c) => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                var result = await client.CallAsync("search_code", new { query = queries[(c + i) % queries.Length], top = 5 });
                if (result.IsError == true)
                {
                    Interlocked.Increment(ref failures);
                }
                else if (result.Json().GetProperty("hits").GetArrayLength() > 0)
                {
                    Interlocked.Increment(ref hits);
                }
            }
        })));
        Assert.Equal(0, failures);
        Assert.Equal(1000, hits);
    }
}
