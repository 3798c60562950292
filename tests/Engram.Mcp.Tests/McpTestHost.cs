using System.IO.Pipelines;
using Engram.Features.Hosting;
using Engram.Mcp.Hosting;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Tests;

/// <summary>
/// An Engram MCP server over in-memory pipes (the SDK's stream transports) with a real lexical-only index of a
/// fixture repository, and clients connected to it. Never stdio, never sleeps for synchronisation.
/// </summary>
public sealed class McpTestHost : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _disposables = [];

    private McpTestHost(FixtureRepo repo, EngramMcpServices services, InMemoryUsageLedger ledger)
    {
        Repo = repo;
        Services = services;
        Ledger = ledger;
    }

    public FixtureRepo Repo { get; }

    public EngramMcpServices Services { get; }

    public InMemoryUsageLedger Ledger { get; }

    public static string ModesDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "modes");
                if (File.Exists(Path.Combine(candidate, "mode.schema.json")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("modes/ not found above the test assembly.");
        }
    }

    /// <summary>Creates the host; <paramref name="chat"/> answers every model task (null: no model configured).</summary>
    public static async Task<McpTestHost> StartAsync(IChatClient? chat = null, bool index = true, FixtureRepo? repo = null, bool acceptClientRoots = true, bool cacheIndexes = false, IReadOnlyList<string>? modesDirectories = null)
    {
        repo ??= new FixtureRepo();
        // --index-dir names one database, so tests that add roots use the (temp) XDG cache instead: one per root.
        var workspace = new EngramWorkspace(new EngramWorkspaceOptions([repo.Root], cacheIndexes ? null : repo.IndexDirectory, LexicalOnly: true));
        if (index)
        {
            await workspace.UpdateIndexAsync();
        }

        var ledger = new InMemoryUsageLedger();
        // A configured model of the "fake" provider whose client is the scripted one: calls go through the real
        // router (fallback, budgets, usage ledger), as in production.
        var config = chat is null
            ? EngramConfig.Empty
            : new EngramConfig
            {
                Models =
                [
                    new ModelDefinition
                    {
                        Name = "fake",
                        Provider = ModelProvider.Fake,
                        Capabilities = [ModelCapability.Completion, ModelCapability.Fim, ModelCapability.Chat, ModelCapability.Reasoning, ModelCapability.Code, ModelCapability.Review],
                        CostPerMillionInput = 1m,
                        CostPerMillionOutput = 2m,
                    },
                ],
            };
        var models = new EngramModels(repo.Root, config, ledger, _ => chat!, new ModelRouterOptions
        {
            Fallback = new FallbackChatClientOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxRetries = 0 },
        });
        var options = new EngramMcpOptions
        {
            Roots = [repo.Root],
            ModesDirectories = modesDirectories ?? [ModesDirectory],
            DialogueDatabasePath = Path.Combine(repo.Base, "dialogues.db"),
            IndexOnStart = false,
            AcceptClientRoots = acceptClientRoots,
        };
        var services = new EngramMcpServices(workspace, models, options, ownsWorkspace: true);
        return new McpTestHost(repo, services, ledger);
    }

    /// <summary>
    /// Creates a host whose model configuration follows <c>engram.json</c> edits: the workspace file of the fixture
    /// and <paramref name="userConfigPath"/>; every configured model's client is <paramref name="chat"/>.
    /// </summary>
    public static async Task<McpTestHost> StartReloadingAsync(IChatClient chat, string userConfigPath)
    {
        var repo = new FixtureRepo();
        var workspace = new EngramWorkspace(new EngramWorkspaceOptions([repo.Root], repo.IndexDirectory, LexicalOnly: true));
        await workspace.UpdateIndexAsync();
        var ledger = new InMemoryUsageLedger();
        var models = new ReloadingEngramModels(repo.Root, userConfigPath, EngramConfigLoader.GetWorkspaceConfigPath(repo.Root), new ReloadingEngramModelsOptions
        {
            Ledger = ledger,
            ClientFactory = _ => chat,
            Debounce = TimeSpan.FromMilliseconds(20),
        });
        var options = new EngramMcpOptions
        {
            Roots = [repo.Root],
            ModesDirectories = [ModesDirectory],
            DialogueDatabasePath = Path.Combine(repo.Base, "dialogues.db"),
            IndexOnStart = false,
            AcceptClientRoots = false,
        };
        return new McpTestHost(repo, new EngramMcpServices(workspace, models, options, ownsWorkspace: true), ledger);
    }

    /// <summary>A new session: a server over fresh pipes and a connected client.</summary>
    public async Task<McpClient> ConnectAsync(McpClientOptions? clientOptions = null)
    {
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddEngramMcpServer(Services).WithStreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream());
        var provider = collection.BuildServiceProvider();
        var server = provider.GetRequiredService<McpServer>();
        var cts = new CancellationTokenSource();
        var run = server.RunAsync(cts.Token);
        var client = await McpClient.CreateAsync(new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()), clientOptions);
        _disposables.Add(client);
        _disposables.Add(new AsyncAction(async () =>
        {
            await cts.CancelAsync();
            clientToServer.Writer.Complete();
            serverToClient.Writer.Complete();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }

            await provider.DisposeAsync();
            cts.Dispose();
        }));
        return client;
    }

    /// <summary>
    /// A client that records every <c>notifications/progress</c> of the session in <paramref name="log"/>. The SDK
    /// client dispatches notifications concurrently with responses and drops a call's progress handler when its
    /// result arrives, so tests that check progress listen at the session level.
    /// </summary>
    public Task<McpClient> ConnectWithProgressLogAsync(ToolTests.SyncProgress log) =>
        ConnectAsync(new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
                    new(NotificationMethods.ProgressNotification, (notification, _) =>
                    {
                        if (notification.Params?["progress"] is { } p)
                        {
                            log.Report(new ModelContextProtocol.ProgressNotificationValue
                            {
                                Progress = p.GetValue<float>(),
                                Total = notification.Params?["total"]?.GetValue<float>(),
                                Message = notification.Params?["message"]?.GetValue<string>(),
                            });
                        }

                        return ValueTask.CompletedTask;
                    }),
                ],
            },
        });

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in _disposables.AsEnumerable().Reverse())
        {
            await disposable.DisposeAsync();
        }

        await Services.DisposeAsync();
        Repo.Dispose();
    }

    private sealed class AsyncAction(Func<Task> action) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await action();
    }
}

public static class ToolCalls
{
    public static async Task<CallToolResult> CallAsync(this McpClient client, string tool, object? args = null, IProgress<ModelContextProtocol.ProgressNotificationValue>? progress = null, CancellationToken cancellationToken = default)
    {
        var dict = args is null
            ? new Dictionary<string, object?>()
            : args.GetType().GetProperties().ToDictionary(p => p.Name, p => p.GetValue(args));
        return await client.CallToolAsync(tool, dict, progress, cancellationToken: cancellationToken);
    }

    public static string Text(this CallToolResult result) =>
        string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public static System.Text.Json.JsonElement Json(this CallToolResult result)
    {
        Assert.True(result.IsError != true, "tool failed: " + result.Text());
        using var document = System.Text.Json.JsonDocument.Parse(result.Text());
        return document.RootElement.Clone();
    }
}
