using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Engram.Features.Dialogue;
using Engram.Features.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary>
/// <c>engram dialogue run|resume|list|show</c>: multi-model dialogues in a mode (see <c>engram modes list</c>), stored in
/// <c>$XDG_DATA_HOME/engram/dialogues.db</c> turn by turn so an interrupted one can be resumed.
/// </summary>
/// <remarks>Exit codes: 0 completed, converged or cost-limited; 1 failed (every model failed, unreadable database); 2 bad input (unknown mode or id, empty topic).</remarks>
internal static class DialogueCommand
{
    public static Command Create() => new("dialogue", "Run, resume, list and show multi-model dialogues.")
    {
        CreateRun(),
        CreateResume(),
        CreateList(),
        CreateShow(),
    };

    /// <summary>The <c>modes/</c> folder shipped next to the executable.</summary>
    public static string ShippedModesDirectory() => DialogueService.ShippedModesDirectory();

    private static Option<string?> Workspace() => new("--workspace")
    {
        Description = "Workspace whose .engram/engram.json and .engram/modes are layered over the user ones, and whose index serves retrieval (default: the current folder).",
    };

    private static Command CreateRun()
    {
        var mode = new Argument<string>("mode") { Description = "Mode name (see 'engram modes list')." };
        var topic = new Option<string?>("--topic") { Description = "What the dialogue is about.", Required = true };
        var maxCost = new Option<decimal?>("--max-cost") { Description = "Cost limit in USD for the whole dialogue (default: the mode's budget)." };
        var models = new Option<string[]>("--model") { Description = "Configured model names used as participants in turn order (repeatable; default: capability routing)." };
        var json = CommonOptions.Json();
        var workspace = Workspace();
        var lexicalOnly = CommonOptions.LexicalOnly();
        var indexDir = CommonOptions.IndexDir();
        var verbose = CommonOptions.Verbose();
        var command = new Command("run", "Start a dialogue and run it to its end; prints the transcript (Markdown, or JSON with --json).")
        {
            mode, topic, maxCost, models, json, workspace, lexicalOnly, indexDir, verbose,
        };
        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(topic);
            if (string.IsNullOrWhiteSpace(text))
            {
                Console.Error.WriteLine("engram: --topic is empty.");
                return ExitCodes.BadInput;
            }

            if (parse.GetValue(maxCost) is < 0)
            {
                Console.Error.WriteLine("engram: --max-cost must be ≥ 0.");
                return ExitCodes.BadInput;
            }

            return await WithServiceAsync(parse.GetValue(workspace), parse.GetValue(verbose), parse.GetValue(lexicalOnly), parse.GetValue(indexDir), parse.GetValue(mode), async (service, ws) =>
            {
                var modelList = parse.GetValue(models) is { Length: > 0 } given ? given : null;
                string id;
                try
                {
                    id = service.Start(parse.GetValue(mode)!, text, new DialogueOptions(modelList, parse.GetValue(maxCost)));
                }
                catch (ArgumentException e)
                {
                    Console.Error.WriteLine("engram: " + WithoutParameter(e));
                    return ExitCodes.BadInput;
                }
                catch (ModeException e)
                {
                    Console.Error.WriteLine("engram: invalid mode: " + e.Message);
                    return ExitCodes.BadInput;
                }

                Console.Error.WriteLine($"engram: dialogue {id} started (resume with 'engram dialogue resume {id}').");
                return await RunToEndAsync(service, id, parse.GetValue(json), ct);
            });
        });
        return command;
    }

    private static Command CreateResume()
    {
        var id = new Argument<string>("id") { Description = "Dialogue id (see 'engram dialogue list')." };
        var json = CommonOptions.Json();
        var workspace = Workspace();
        var lexicalOnly = CommonOptions.LexicalOnly();
        var indexDir = CommonOptions.IndexDir();
        var verbose = CommonOptions.Verbose();
        var command = new Command("resume", "Continue an interrupted or failed dialogue from its last completed turn.")
        {
            id, json, workspace, lexicalOnly, indexDir, verbose,
        };
        command.SetAction(async (parse, ct) =>
            await WithServiceAsync(parse.GetValue(workspace), parse.GetValue(verbose), parse.GetValue(lexicalOnly), parse.GetValue(indexDir), null, async (service, ws) =>
            {
                var dialogueId = parse.GetValue(id)!;
                try
                {
                    _ = service.Get(dialogueId);
                }
                catch (KeyNotFoundException e)
                {
                    Console.Error.WriteLine("engram: " + e.Message);
                    return ExitCodes.BadInput;
                }

                return await RunToEndAsync(service, dialogueId, parse.GetValue(json), ct);
            }));
        return command;
    }

    private static Command CreateList()
    {
        var json = CommonOptions.Json();
        var command = new Command("list", "List stored dialogues, newest first.") { json };
        command.SetAction(parse =>
        {
            var service = OpenStoreOnly(out var models);
            using (models)
            {
                IReadOnlyList<DialogueSummary> list;
                try
                {
                    list = service.List();
                }
                catch (Exception e) when (e is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or IOException)
                {
                    Console.Error.WriteLine($"engram: cannot read {service.DatabasePath}: {e.Message}");
                    return ExitCodes.Failure;
                }

                if (parse.GetValue(json))
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(new
                    {
                        dialogues = list.Select(d => new
                        {
                            id = d.Id,
                            mode = d.Mode,
                            topic = d.Topic,
                            status = JsonNamingPolicy.SnakeCaseLower.ConvertName(d.Status.ToString()),
                            turns = d.Turns,
                            cost = d.Cost,
                            created = d.Created,
                        }),
                    }, CliServices.Json));
                    return ExitCodes.Success;
                }

                if (list.Count == 0)
                {
                    Console.Out.WriteLine("No dialogues yet. Start one with: engram dialogue run MODE --topic TEXT");
                    return ExitCodes.Success;
                }

                var table = new Table().Border(TableBorder.Rounded).AddColumns("Id", "Mode", "Status", "Turns", "Cost (USD)", "Started", "Topic");
                foreach (var d in list)
                {
                    table.AddRow(d.Id, Markup.Escape(d.Mode), d.Status.ToString(), d.Turns.ToString(CultureInfo.InvariantCulture),
                        d.Cost.ToString("0.####", CultureInfo.InvariantCulture), d.Created.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(Shorten(d.Topic, 60)));
                }

                AnsiConsole.Write(table);
                return ExitCodes.Success;
            }
        });
        return command;
    }

    private static Command CreateShow()
    {
        var id = new Argument<string>("id") { Description = "Dialogue id (see 'engram dialogue list')." };
        var format = new Option<string>("--format") { Description = "markdown or json.", DefaultValueFactory = _ => "markdown" };
        var command = new Command("show", "Print a dialogue's transcript with per-turn models, tokens, latency and cost.") { id, format };
        command.SetAction(parse =>
        {
            var service = OpenStoreOnly(out var models);
            using (models)
            {
                try
                {
                    Console.Out.WriteLine(service.Export(parse.GetValue(id)!, parse.GetValue(format)!));
                    return ExitCodes.Success;
                }
                catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
                {
                    Console.Error.WriteLine("engram: " + (e is ArgumentException a ? WithoutParameter(a) : e.Message));
                    return ExitCodes.BadInput;
                }
                catch (Exception e) when (e is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or IOException)
                {
                    Console.Error.WriteLine($"engram: cannot read {service.DatabasePath}: {e.Message}");
                    return ExitCodes.Failure;
                }
            }
        });
        return command;
    }

    private static async Task<int> RunToEndAsync(DialogueService service, string id, bool json, CancellationToken ct)
    {
        DialogueSummary summary;
        try
        {
            summary = await service.ResumeAsync(id, new StderrProgress(), ct);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"engram: interrupted; resume with 'engram dialogue resume {id}'.");
            return ExitCodes.Failure;
        }

        Console.Out.WriteLine(service.Export(id, json ? "json" : "markdown"));
        Console.Error.WriteLine($"engram: dialogue {id} {summary.Status}: {summary.Turns} turns, {summary.Cost.ToString("0.######", CultureInfo.InvariantCulture)} USD.");
        return summary.Status == DialogueStatus.Failed ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static async Task<int> WithServiceAsync(
        string? workspace, bool verbose, bool lexicalOnly, string? indexDir, string? modeName, Func<DialogueService, EngramWorkspace?, Task<int>> body)
    {
        using var models = ModelServices.Open(workspace, out var exit);
        if (models is null)
        {
            return exit;
        }

        if (models.Config.Models.Count == 0)
        {
            Console.Error.WriteLine("engram: no model is configured. Add one to the \"models\" array of ~/.config/engram/engram.json (a workspace's .engram/engram.json counts once the folder is trusted: engram trust PATH; see 'engram models list' for local GGUF files).");
            return ExitCodes.Failure;
        }

        using var loggerFactory = CliServices.CreateLoggerFactory(verbose ? LogLevel.Information : LogLevel.Warning);
        var logger = loggerFactory.CreateLogger("engram.dialogue");
        var directories = DialogueService.DefaultModeDirectories(ShippedModesDirectory(), models.WorkspaceRoot);
        EngramWorkspace? engram = null;
        try
        {
            var probe = new DialogueService(models, directories, DialogueService.DefaultDatabasePath(), null, logger);
            var needsIndex = modeName is not null && probe.Catalog.Modes.FirstOrDefault(m => m.Name == modeName) is { } m && m.Turns.Any(t => t.Retrieval is not null);
            if (needsIndex)
            {
                engram = new EngramWorkspace(new EngramWorkspaceOptions([models.WorkspaceRoot], indexDir, lexicalOnly), loggerFactory);
                Console.Error.WriteLine($"engram: updating the index of {models.WorkspaceRoot} for retrieval…");
                await engram.UpdateIndexAsync();
            }

            var service = engram is null ? probe : new DialogueService(models, directories, DialogueService.DefaultDatabasePath(), engram, logger);
            return await body(service, engram);
        }
        catch (Exception e) when (e is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            Console.Error.WriteLine($"engram: {e.Message}");
            return ExitCodes.Failure;
        }
        finally
        {
            engram?.Dispose();
        }
    }

    private static DialogueService OpenStoreOnly(out EngramModels models)
    {
        var root = Directory.GetCurrentDirectory();
        models = new EngramModels(root, new Engram.Models.Configuration.EngramConfig());
        return new DialogueService(models, [ShippedModesDirectory()], DialogueService.DefaultDatabasePath(), null);
    }

    private static string WithoutParameter(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private sealed class StderrProgress : IProgress<string>
    {
        public void Report(string value) => Console.Error.WriteLine("engram: " + value);
    }
}
