using System.CommandLine;

namespace Engram.Cli.Commands;

/// <summary>`engram dialogue` (placeholder until implemented).</summary>
internal static class DialogueCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("dialogue", "Not implemented yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("engram: 'dialogue' is not implemented yet.");
            return ExitCodes.Failure;
        });
        return command;
    }
}
