using System.Reflection;
using Engram.Mcp.Prompts;
using Engram.Mcp.Resources;
using Engram.Mcp.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Engram.Mcp.Hosting;

/// <summary>
/// Composition of the Engram MCP server on the official SDK: the same tools, resources, prompts and completions for
/// every transport (stdio, Streamable HTTP, in-memory streams in tests).
/// </summary>
public static class EngramMcpServer
{
    /// <summary>The <c>serverInfo</c> sent in <c>initialize</c>.</summary>
    public static Implementation ServerInfo { get; } = new()
    {
        Name = "engram",
        Title = "Engram",
        Version = typeof(EngramMcpServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0",
    };

    /// <summary>Instructions sent to the client in <c>initialize</c>.</summary>
    public const string Instructions =
        "Engram serves a workspace memory of code. Use search_code to find code by meaning or identifier, read_code to read exact " +
        "lines (1-based inclusive), related for neighbours of a chunk, and research for cited multi-step answers. Paths are relative " +
        "to a workspace root. If a search finds nothing, call index_update. Model-backed tools say how to configure a model when none is.";

    /// <summary>
    /// Registers <paramref name="engram"/> and the MCP server with Engram's tools, resources, prompts and completions.
    /// Add a transport to the returned builder.
    /// </summary>
    public static IMcpServerBuilder AddEngramMcpServer(this IServiceCollection services, EngramMcpServices engram)
    {
        services.AddSingleton(engram);
        return services
            .AddMcpServer(options =>
            {
                options.ServerInfo = ServerInfo;
                options.ServerInstructions = Instructions;
                // Roots are deprecated by the 2026-07-28 revision but still how today's clients (2025-11-25 and
                // earlier) tell a server its workspace folders.
#pragma warning disable MCP9005
                options.Handlers.NotificationHandlers =
                [
                    new(NotificationMethods.RootsListChangedNotification, (_, _) =>
                    {
                        engram.InvalidateClientRoots();
                        return ValueTask.CompletedTask;
                    }),
                ];
#pragma warning restore MCP9005
            })
            .WithTools([typeof(CodeTools), typeof(AssistTools), typeof(WorkspaceTools), typeof(DialogueTools)])
            .WithResources([typeof(EngramResources)])
            .WithListPromptsHandler(EngramPrompts.ListAsync)
            .WithGetPromptHandler(EngramPrompts.GetAsync)
            .WithCompleteHandler(EngramCompletions.CompleteAsync);
    }

    /// <summary>
    /// Serves <paramref name="engram"/> over stdio until stdin closes or <paramref name="cancellationToken"/> fires.
    /// Only protocol messages go to stdout; logs go to <paramref name="loggerFactory"/> (stderr).
    /// </summary>
    public static async Task RunStdioAsync(EngramMcpServices engram, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddEngramMcpServer(engram).WithStdioServerTransport();
        await using var provider = services.BuildServiceProvider();
        var server = provider.GetRequiredService<McpServer>();
        await using var initialized = server.RegisterNotificationHandler(NotificationMethods.InitializedNotification, (_, _) =>
        {
            _ = engram.OnSessionInitializedAsync(server);
            return ValueTask.CompletedTask;
        });
        // Clients on the 2026-07-28 revision send no notifications/initialized: index anyway after a short wait
        // (a tool call starts it sooner).
        _ = Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ContinueWith(_ => engram.StartupIndexOnce(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        await server.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
