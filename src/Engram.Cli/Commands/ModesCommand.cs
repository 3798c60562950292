using System.CommandLine;
using System.Text.Json;
using Engram.Features.Dialogue;
using Engram.Models.Configuration;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary>
/// <c>engram modes list|validate</c>: the dialogue modes found in the shipped <c>modes/</c> folder,
/// <c>~/.config/engram/modes</c> and <c>WORKSPACE/.engram/modes</c> (later folders override earlier ones by name).
/// </summary>
/// <remarks>Exit codes: 0 all valid; 1 a mode is invalid (each error names the file, JSON path and what was expected); 2 bad input (missing file).</remarks>
internal static class ModesCommand
{
    public static Command Create() => new("modes", "List and validate dialogue modes.")
    {
        CreateList(),
        CreateValidate(),
    };

    private static Option<string?> Workspace() => new("--workspace")
    {
        Description = "Workspace whose .engram/modes folder is searched last (default: the current folder).",
    };

    // What the workspace's modes may name (the dialogue engine applies the same): null when the configuration does
    // not load (its error is what 'engram doctor' and 'engram dialogue' report).
    private static ModeTrust? Trust(string root)
    {
        try
        {
            var config = EngramConfigLoader.LoadLayered(EngramConfigLoader.GetUserConfigPath(), EngramConfigLoader.GetWorkspaceConfigPath(root), new WorkspaceTrustContext(root));
            return ModeTrust.For(config, [root]);
        }
        catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static Command CreateList()
    {
        var json = CommonOptions.Json();
        var workspace = Workspace();
        var command = new Command("list", "List the available dialogue modes.") { json, workspace };
        command.SetAction(parse =>
        {
            if (CliServices.ResolveRoot(parse.GetValue(workspace)) is not { } root)
            {
                return ExitCodes.BadInput;
            }

            var catalog = new ModeCatalog(DialogueService.DefaultModeDirectories(DialogueCommand.ShippedModesDirectory(), root), Trust(root));
            foreach (var (name, error) in catalog.Errors.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                Console.Error.WriteLine($"engram: mode '{name}' is invalid: {error.Message}");
            }

            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    modes = catalog.Modes.Select(m => new
                    {
                        name = m.Name,
                        description = m.Description,
                        source = m.Source,
                        turns = m.Turns.Select(t => t.Id),
                        structure = m.Phases.Select(p => new { name = p.Name, parallel = p.Parallel, turns = p.Turns }),
                        maxTurns = m.MaxTurns,
                        maxCostUsd = m.MaxCostUsd,
                    }),
                    errors = catalog.Errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => new { mode = e.Key, file = e.Value.File, message = e.Value.Message }),
                }, CliServices.Json));
            }
            else
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumns("Mode", "Turns", "Description");
                foreach (var m in catalog.Modes)
                {
                    table.AddRow(Markup.Escape(m.Name), Markup.Escape(string.Join(" → ", m.Phases.Select(p => string.Join(p.Parallel ? " | " : " → ", p.Turns)))), Markup.Escape(m.Description));
                }

                AnsiConsole.Write(table);
            }

            return catalog.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static Command CreateValidate()
    {
        var file = new Argument<string?>("file") { Description = "A mode file to validate (default: every mode found).", Arity = ArgumentArity.ZeroOrOne };
        var workspace = Workspace();
        var command = new Command("validate", "Validate mode files against mode.schema.json and resolve their extends/overrides.") { file, workspace };
        command.SetAction(parse =>
        {
            if (CliServices.ResolveRoot(parse.GetValue(workspace)) is not { } root)
            {
                return ExitCodes.BadInput;
            }

            var directories = DialogueService.DefaultModeDirectories(DialogueCommand.ShippedModesDirectory(), root).ToList();
            var path = parse.GetValue(file);
            if (path is null)
            {
                var catalog = new ModeCatalog(directories, Trust(root));
                foreach (var (_, error) in catalog.Errors.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    Console.Error.WriteLine(error.Message);
                }

                Console.Out.WriteLine($"{catalog.Modes.Count} valid, {catalog.Errors.Count} invalid.");
                return catalog.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
            }

            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                Console.Error.WriteLine($"engram: '{path}' does not exist.");
                return ExitCodes.BadInput;
            }

            // Validate the file in the context of the other modes (its parent may live elsewhere): its folder comes last.
            var folder = Path.GetDirectoryName(full)!;
            var name = Path.GetFileNameWithoutExtension(full);
            if (!directories.Contains(folder, StringComparer.Ordinal))
            {
                directories.Add(folder);
            }

            var schemaFile = directories.Select(d => Path.Combine(d, "mode.schema.json")).FirstOrDefault(File.Exists);
            try
            {
                ModeCatalog.ParseAndValidate(full, File.ReadAllText(full), schemaFile is null ? null : ModeCatalog.LoadSchema(schemaFile));
                var catalog = new ModeCatalog(directories, Trust(root));
                var mode = catalog.Get(name);
                Console.Out.WriteLine($"{full}: valid ({mode.Turns.Count} turns: {string.Join(", ", mode.Turns.Select(t => t.Id))}).");
                return ExitCodes.Success;
            }
            catch (ModeException e)
            {
                Console.Error.WriteLine(e.Message);
                return ExitCodes.Failure;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"{full}: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
