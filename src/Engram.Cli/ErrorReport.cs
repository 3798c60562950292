using Engram.Core.Storage;
using Engram.Models.Configuration;

namespace Engram.Cli;

/// <summary>
/// The last line of defence of the <c>engram</c> executable: an exception no command handled becomes one line on
/// stderr and exit code 1 — never a stack trace, unless the user asked for details (<c>--verbose</c>, <c>-v</c>, or
/// <c>--log-level Debug</c>/<c>Trace</c>).
/// </summary>
internal static class ErrorReport
{
    /// <summary>Writes <paramref name="exception"/> to <paramref name="error"/> and returns the exit code.</summary>
    /// <param name="exception">What escaped the command.</param>
    /// <param name="args">The command line, to see whether details were asked for.</param>
    /// <param name="error">Where to write (stderr).</param>
    public static int Write(Exception exception, IReadOnlyList<string> args, TextWriter error)
    {
        if (exception is OperationCanceledException)
        {
            error.WriteLine("engram: cancelled.");
            return ExitCodes.Cancelled;
        }

        var details = WantsDetails(args);
        var message = exception switch
        {
            // These say what is wrong and how to fix it.
            IndexStoreException or ConfigException => exception.Message,
            IOException or UnauthorizedAccessException => exception.Message,
            _ when exception.GetType().FullName == "Microsoft.Data.Sqlite.SqliteException" =>
                $"a database failed: {exception.Message} If it is an index, 'engram status' checks it; an index can be deleted and rebuilt with 'engram index'.",
            _ => $"unexpected {exception.GetType().Name}: {exception.Message}" + (details ? "" : " (run again with --verbose for where it happened)"),
        };
        error.WriteLine($"engram: {message}");
        if (details)
        {
            error.WriteLine(exception.ToString());
        }

        return ExitCodes.Failure;
    }

    private static bool WantsDetails(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count && args[i] != "--"; i++)
        {
            if (args[i] is "--verbose" or "-v")
            {
                return true;
            }

            var level = args[i].StartsWith("--log-level=", StringComparison.Ordinal) ? args[i]["--log-level=".Length..]
                : args[i] == "--log-level" && i + 1 < args.Count ? args[i + 1]
                : null;
            if (level is not null && (level.Equals("Debug", StringComparison.OrdinalIgnoreCase) || level.Equals("Trace", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }
}
