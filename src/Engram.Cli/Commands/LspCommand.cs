using System.CommandLine;
using Engram.LanguageServer;
using Microsoft.Extensions.Logging;

namespace Engram.Cli.Commands;

/// <summary>
/// <c>engram lsp [--stdio] [--index-dir DIR] [--lexical-only] [--log-level LEVEL]</c>: the language server over stdio.
/// stdout carries only LSP frames; logs go to stderr (and to the client as window/logMessage).
/// </summary>
internal static class LspCommand
{
    public static Command Create()
    {
        var stdio = new Option<bool>("--stdio") { Description = "Use stdin/stdout (the only transport; accepted for clients that pass it)." };
        var indexDir = CommonOptions.IndexDir();
        var lexicalOnly = new Option<bool>("--lexical-only") { Description = "Index and search without the sentence-embedding model." };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Minimum level of the stderr log: Trace, Debug, Information, Warning, Error, Critical or None.",
            DefaultValueFactory = _ => LogLevel.Information,
        };
        var command = new Command("lsp", "Run the Engram language server (LSP over stdio: completion, inline completion, hover, code actions, review).")
        {
            stdio, indexDir, lexicalOnly, logLevel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggerFactory = CliServices.CreateLoggerFactory(parse.GetValue(logLevel));
            var options = new LspServerOptions
            {
                LoggerFactory = loggerFactory,
                IndexDirectory = parse.GetValue(indexDir),
                LexicalOnly = parse.GetValue(lexicalOnly),
            };
            await using var input = Console.OpenStandardInput();
            await using var output = Console.OpenStandardOutput();
            return await LanguageServerHost.RunAsync(input, output, options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
