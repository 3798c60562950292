using System.CommandLine;

namespace Engram.Cli.Commands;

/// <summary>`engram mcp` (placeholder until implemented).</summary>
internal static class McpCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("mcp", "Not implemented yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("engram: 'mcp' is not implemented yet.");
            return ExitCodes.Failure;
        });
        return command;
    }
}
