using System.CommandLine;
using Engram.Features.Dialogue;
using Engram.Features.Hosting;
using Engram.Mcp.Hosting;
using Engram.Models.Configuration;
using Microsoft.Extensions.Logging;

namespace Engram.Cli.Commands;

/// <summary>
/// <c>engram mcp [--root DIR]... [--http HOST:PORT] [--index-dir DIR] [--lexical-only] [--no-auth] [--allow-remote]
/// [--no-index] [--log-level LEVEL]</c>: the Model Context Protocol server, over stdio (default) or Streamable HTTP.
/// </summary>
internal static class McpCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var roots = new Option<string[]>("--root", "-r")
        {
            Description = "Workspace root (repeat for several; default: the current folder, replaced by the client's roots when it sends some).",
            AllowMultipleArgumentsPerToken = false,
        };
        var http = new Option<string?>("--http")
        {
            Description = "Serve Streamable HTTP on HOST:PORT (e.g. 127.0.0.1:8765; port 0 picks a free one) instead of stdio. Requires a bearer token: ENGRAM_MCP_TOKEN, or one generated and printed to stderr.",
        };
        var indexDir = CommonOptions.IndexDir();
        var lexicalOnly = new Option<bool>("--lexical-only", "--no-embeddings")
        {
            Description = "Index and search without the sentence-embedding model.",
        };
        var noAuth = new Option<bool>("--no-auth") { Description = "HTTP only: accept requests without a bearer token (loopback addresses only; for local testing)." };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "HTTP only: allow listening on a non-loopback address." };
        var noIndex = new Option<bool>("--no-index") { Description = "Do not start an incremental index update when the server starts." };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Minimum level logged to stderr (Trace, Debug, Information, Warning, Error, None).",
            DefaultValueFactory = _ => LogLevel.Warning,
        };
        var command = new Command("mcp", "Run the Model Context Protocol server (stdio by default, or Streamable HTTP with --http).")
        {
            roots, http, indexDir, lexicalOnly, noAuth, allowRemote, noIndex, logLevel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var given = parse.GetValue(roots) ?? [];
            var resolved = new List<string>();
            foreach (var root in given.Length > 0 ? given : ["."])
            {
                if (CliServices.ResolveRoot(root) is not { } full)
                {
                    return ExitCodes.BadInput;
                }

                if (!resolved.Contains(full))
                {
                    resolved.Add(full);
                }
            }

            var dir = parse.GetValue(indexDir);
            if (dir is not null && resolved.Count > 1)
            {
                Console.Error.WriteLine("engram: --index-dir names one store; give one --root with it.");
                return ExitCodes.BadInput;
            }

            McpHttpOptions? httpOptions = null;
            if (parse.GetValue(http) is { } endpoint)
            {
                if (!TryParseEndpoint(endpoint, out var host, out var port))
                {
                    Console.Error.WriteLine($"engram: --http takes HOST:PORT (e.g. 127.0.0.1:8765); found '{endpoint}'.");
                    return ExitCodes.BadInput;
                }

                string? token = null;
                if (!parse.GetValue(noAuth))
                {
                    token = Environment.GetEnvironmentVariable("ENGRAM_MCP_TOKEN");
                    if (string.IsNullOrWhiteSpace(token))
                    {
                        token = McpHttpOptions.GenerateToken();
                        Console.Error.WriteLine($"engram mcp: bearer token (set ENGRAM_MCP_TOKEN to choose one): {token}");
                    }
                }

                httpOptions = new McpHttpOptions(host, port, token, parse.GetValue(noAuth), parse.GetValue(allowRemote));
            }
            else if (parse.GetValue(noAuth) || parse.GetValue(allowRemote))
            {
                Console.Error.WriteLine("engram: --no-auth and --allow-remote apply to --http only.");
                return ExitCodes.BadInput;
            }

            var level = parse.GetValue(logLevel);
            using var loggerFactory = CliServices.CreateLoggerFactory(level);
            var logger = loggerFactory.CreateLogger("engram.mcp");
            // Follows edits of engram.json; an invalid file never throws (EngramMcpServices logs LastError and the
            // model-backed tools say what is wrong while search and reading keep working).
            var models = ReloadingEngramModels.Start(resolved[0]);

            var options = new EngramMcpOptions
            {
                Roots = resolved,
                RootsGiven = given.Length > 0,
                IndexDirectory = dir,
                LexicalOnly = parse.GetValue(lexicalOnly),
                // One HTTP server serves many sessions: one session's roots must not widen another's access.
                AcceptClientRoots = dir is null && httpOptions is null,
                ModesDirectories = [.. DialogueService.DefaultModeDirectories(Path.Combine(AppContext.BaseDirectory, "modes"), resolved[0]),
                    .. resolved.Skip(1).Select(r => Path.Combine(r, ".engram", "modes"))],
                IndexOnStart = !parse.GetValue(noIndex),
            };
            var workspace = new EngramWorkspace(new EngramWorkspaceOptions(resolved, dir, options.LexicalOnly), loggerFactory);
            await using var services = new EngramMcpServices(workspace, models, options, loggerFactory, ownsWorkspace: true);
            // Without --root over stdio, the first update waits for the session: the client's roots may replace the
            // default folder, which need not be a workspace at all.
            if (options.IndexOnStart && (httpOptions is not null || options.RootsGiven))
            {
                _ = services.StartBackgroundIndex();
            }

            try
            {
                if (httpOptions is not null)
                {
                    await EngramMcpHttp.RunAsync(services, httpOptions, level, started: null, cancellationToken);
                }
                else
                {
                    await EngramMcpServer.RunStdioAsync(services, loggerFactory, cancellationToken);
                }
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine($"engram: {ex.Message}");
                return ExitCodes.BadInput;
            }
            catch (IOException ex) when (httpOptions is not null)
            {
                Console.Error.WriteLine($"engram: cannot listen on {httpOptions.Host}:{httpOptions.Port}: {ex.Message}");
                return ExitCodes.Failure;
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: a normal end.
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static bool TryParseEndpoint(string endpoint, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out port) || port is < 0 or > 65535)
        {
            return false;
        }

        host = endpoint[..colon].Trim('[', ']');
        return host.Length > 0;
    }
}
