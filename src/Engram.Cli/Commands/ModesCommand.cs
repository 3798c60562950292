using System.CommandLine;

namespace Engram.Cli.Commands;

/// <summary>`engram modes` (placeholder until implemented).</summary>
internal static class ModesCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("modes", "Not implemented yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("engram: 'modes' is not implemented yet.");
            return ExitCodes.Failure;
        });
        return command;
    }
}
