using Engram.Features.Hosting;
using Engram.Models.Configuration;

namespace Engram.Cli;

/// <summary>Opens <see cref="EngramModels"/> for a command, turning configuration errors into stderr messages and exit codes.</summary>
internal static class ModelServices
{
    /// <summary>
    /// Loads the layered configuration of <paramref name="workspace"/> (default: the current folder). Returns null
    /// after writing the reason to stderr when the folder does not exist or a file is invalid (the message names the
    /// file, line, column and JSON path); <paramref name="exitCode"/> is then the code to exit with.
    /// </summary>
    public static EngramModels? Open(string? workspace, out int exitCode)
    {
        exitCode = ExitCodes.Success;
        if (CliServices.ResolveRoot(workspace) is not { } root)
        {
            exitCode = ExitCodes.BadInput;
            return null;
        }

        try
        {
            return EngramModels.Load(root);
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine($"engram: invalid configuration: {ex.Message}");
            exitCode = ExitCodes.Failure;
            return null;
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"engram: cannot read configuration: {ex.Message}");
            exitCode = ExitCodes.Failure;
            return null;
        }
    }

    /// <summary>The usage ledger file (see <see cref="EngramModels.UsageLedgerPath"/>).</summary>
    public static string UsageLedgerPath() => EngramModels.UsageLedgerPath();
}
