using System.CommandLine;
using Engram.Cli.Commands;

namespace Engram.Cli;

/// <summary>Entry point of the <c>engram</c> executable.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the command. Exit codes: 0 success, 1 failure, 2 bad input.</summary>
    public static async Task<int> Main(string[] args)
    {
        var root = BuildRootCommand();
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }

    /// <summary>The command tree: <c>index</c>, <c>search</c>, <c>status</c>, <c>models</c>, <c>doctor</c>, <c>lsp</c>, <c>mcp</c>, <c>dialogue</c>, <c>modes</c>, <c>trust</c>.</summary>
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("Engram: a local-first AI language server and MCP server with a hyperdimensional workspace memory.")
        {
            IndexCommand.Create(),
            SearchCommand.Create(),
            StatusCommand.Create(),
            ModelsCommand.Create(),
            DoctorCommand.Create(),
            LspCommand.Create(),
            McpCommand.Create(),
            DialogueCommand.Create(),
            ModesCommand.Create(),
            TrustCommand.Create(),
        };
        return root;
    }
}
