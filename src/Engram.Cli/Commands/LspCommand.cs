using System.CommandLine;

namespace Engram.Cli.Commands;

/// <summary>`engram lsp` (placeholder until implemented).</summary>
internal static class LspCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("lsp", "Not implemented yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("engram: 'lsp' is not implemented yet.");
            return ExitCodes.Failure;
        });
        return command;
    }
}
