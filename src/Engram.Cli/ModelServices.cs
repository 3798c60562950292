using Engram.Features.Hosting;
using Engram.Models.Configuration;

namespace Engram.Cli;

/// <summary>Opens <see cref="EngramModels"/> for a command, turning configuration errors into stderr messages and exit codes.</summary>
internal static class ModelServices
{
    /// <summary>
    /// Loads the layered configuration of <paramref name="workspace"/> (default: the current folder). Returns null
    /// after writing the reason to stderr when the folder does not exist or a file is invalid (the message names the
    /// file, line, column and JSON path); <paramref name="exitCode"/> is then the code to exit with. When an untrusted
    /// workspace file asked for more than narrowing the user's configuration, says on stderr what was ignored and the
    /// command that trusts the folder.
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
            var models = EngramModels.Load(root);
            ReportTrust(models.Trust);
            return models;
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

    /// <summary>Writes the workspace-trust notice of <paramref name="trust"/> to stderr when something was ignored.</summary>
    public static void ReportTrust(WorkspaceTrustState? trust)
    {
        if (trust?.Notice is { } notice)
        {
            Console.Error.WriteLine("engram: warning: " + notice);
        }
    }

    /// <summary>The usage ledger file (see <see cref="EngramModels.UsageLedgerPath"/>).</summary>
    public static string UsageLedgerPath() => EngramModels.UsageLedgerPath();
}
