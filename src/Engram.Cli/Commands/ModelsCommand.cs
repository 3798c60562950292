using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Engram.Models.Configuration;
using Engram.Models.Discovery;
using Engram.Models.Providers.LocalGguf;
using Engram.Models.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary>
/// <c>engram models list|status|usage|pull|test</c>: local GGUF files, the configured models and their routes, the
/// usage ledger, downloads, and a test prompt to one model.
/// </summary>
internal static class ModelsCommand
{
    public static Command Create() => new("models", "List, inspect, test and download models; summarise their usage.")
    {
        CreateList(),
        CreateStatus(),
        CreateUsage(),
        CreatePull(),
        CreateTest(),
    };

    /// <summary><c>--workspace PATH</c>: the workspace whose <c>.engram/engram.json</c> is layered over the user file.</summary>
    public static Option<string?> Workspace() => new("--workspace")
    {
        Description = "Workspace whose .engram/engram.json is layered over the user configuration (default: the current folder).",
    };

    /// <summary>
    /// Engram's own models folder, where <c>models pull</c> saves files and <c>models list</c> always looks:
    /// <c>$XDG_DATA_HOME/engram/models</c>, falling back to <c>~/.local/share/engram/models</c>.
    /// </summary>
    public static string DefaultModelsFolder() => Engram.Features.Hosting.EngramModels.ModelsDirectory();

    private static Command CreateList()
    {
        var folders = new Option<string[]>("--folder") { Description = "Extra folders to search for *.gguf files (repeatable)." };
        var noCaches = new Option<bool>("--no-caches") { Description = "Skip the Hugging Face, LM Studio and Ollama caches." };
        var json = CommonOptions.Json();
        var command = new Command("list", "List GGUF models in Engram's models folder, given folders and the usual local caches, and the built-in catalogue.")
        {
            folders, noCaches, json,
        };
        command.SetAction(parse =>
        {
            var options = new DiscoveryOptions
            {
                Folders = [DefaultModelsFolder(), .. parse.GetValue(folders) ?? []],
                IncludeCaches = !parse.GetValue(noCaches),
            };
            var found = ModelDiscovery.Find(options);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    models = found.Select(m => new
                    {
                        name = m.DisplayName,
                        path = m.Path,
                        source = m.Source.ToString(),
                        sizeBytes = m.SizeBytes,
                        architecture = m.Architecture,
                        quantization = m.Quantization,
                        contextLength = m.Header?.ContextLength,
                        fim = m.Header?.HasFimTokens,
                        error = m.Error,
                    }),
                    catalogue = ModelCatalogue.Entries.Select(e => new { name = e.Name, url = e.Url, licence = e.Licence, description = e.Description }),
                }, CliServices.Json));
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("Model", "Source", "Size", "Architecture", "Quantization", "Path");
            foreach (var m in found)
            {
                table.AddRow(
                    Markup.Escape(m.DisplayName),
                    m.Source.ToString(),
                    $"{m.SizeBytes / 1024.0 / 1024.0:0.0} MiB",
                    Markup.Escape(m.Architecture ?? "?"),
                    Markup.Escape(m.Quantization ?? "?"),
                    Markup.Escape(m.Error is null ? m.Path : $"{m.Path} ({m.Error})"));
            }

            AnsiConsole.Write(found.Count == 0 ? new Markup("No local GGUF models found.\n") : table);
            AnsiConsole.MarkupLine("Catalogue (engram models pull NAME): " + Markup.Escape(string.Join(", ", ModelCatalogue.Entries.Select(e => e.Name))));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreatePull()
    {
        var source = new Argument<string>("model") { Description = "A catalogue name (see 'engram models list') or an http(s) URL of a .gguf file." };
        var sha256 = new Option<string?>("--sha256") { Description = "Expected SHA-256 of the file (64 hex digits); the download is refused when it differs." };
        var dir = new Option<string?>("--dir") { Description = "Folder to save into (default: Engram's models folder)." };
        var json = CommonOptions.Json();
        var command = new Command("pull", "Download a GGUF model with resume and checksum verification.")
        {
            source, sha256, dir, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(source)!;
            var entry = ModelCatalogue.Find(name);
            Uri url;
            string fileName;
            if (entry is not null)
            {
                url = entry.Url;
                fileName = entry.FileName;
            }
            else if (Uri.TryCreate(name, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https")
            {
                url = parsed;
                fileName = Path.GetFileName(parsed.AbsolutePath);
                if (string.IsNullOrEmpty(fileName) || !fileName.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                {
                    Console.Error.WriteLine($"engram: '{name}' does not name a .gguf file.");
                    return ExitCodes.BadInput;
                }
            }
            else
            {
                Console.Error.WriteLine($"engram: '{name}' is neither a catalogue name ({string.Join(", ", ModelCatalogue.Entries.Select(e => e.Name))}) nor an http(s) URL.");
                return ExitCodes.BadInput;
            }

            var expected = parse.GetValue(sha256) ?? entry?.Sha256;
            if (expected is not null && (expected.Length != 64 || !expected.All(Uri.IsHexDigit)))
            {
                Console.Error.WriteLine("engram: --sha256 takes 64 hexadecimal digits.");
                return ExitCodes.BadInput;
            }

            var folder = parse.GetValue(dir) ?? DefaultModelsFolder();
            Directory.CreateDirectory(folder);
            var destination = Path.Combine(folder, fileName);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var downloader = new ModelDownloader(http);
            DownloadResult result;
            try
            {
                if (parse.GetValue(json) || Console.IsOutputRedirected)
                {
                    result = await downloader.PullAsync(url, destination, expected, null, cancellationToken);
                }
                else
                {
                    DownloadResult? done = null;
                    await AnsiConsole.Progress()
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                        .StartAsync(async context =>
                        {
                            var task = context.AddTask(Markup.Escape(fileName), maxValue: 1);
                            var progress = new Progress<DownloadProgress>(p =>
                            {
                                task.MaxValue = p.TotalBytes ?? Math.Max(1, p.BytesReceived);
                                task.Value = p.BytesReceived;
                            });
                            done = await downloader.PullAsync(url, destination, expected, progress, cancellationToken);
                        });
                    result = done!;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException)
            {
                Console.Error.WriteLine($"engram: download of {url} failed: {ex.Message} (a partial download is kept and resumed by the next pull).");
                return ExitCodes.Failure;
            }

            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { path = result.Path, sizeBytes = result.SizeBytes, sha256 = result.Sha256, resumed = result.Resumed }, CliServices.Json));
            }
            else
            {
                Console.Out.WriteLine($"{result.Path}: {result.SizeBytes} bytes, sha256 {result.Sha256}{(result.Resumed ? " (resumed)" : "")}{(expected is null ? " (not verified: no checksum given)" : " (verified)")}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateStatus()
    {
        var workspace = Workspace();
        var json = CommonOptions.Json();
        var command = new Command("status", "Show each configured model (provider, capabilities, endpoint, key variable set, local file) and the ranked candidates per task.")
        {
            workspace, json,
        };
        command.SetAction(parse =>
        {
            using var services = ModelServices.Open(parse.GetValue(workspace), out var exitCode);
            if (services is null)
            {
                return exitCode;
            }

            var models = services.Config.Models.Select(Describe).ToList();
            var routes = Enum.GetValues<ModelTask>()
                .Select(task => (Task: ConfigNames.ToJsonName(task), Candidates: CapabilityRouter.Rank(services.Config, task).Select(m => m.Name).ToList()))
                .ToList();
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    configFiles = services.Config.Sources,
                    workspaceTrust = services.Trust is { } trust
                        ? new { folder = trust.Folder, trusted = trust.Trusted, trustedFolder = trust.TrustedFolder, ignored = trust.Ignored, trustCommand = trust.Trusted ? null : trust.TrustCommand }
                        : null,
                    budgets = new { dailyUsd = services.Config.Budgets.DailyUsd, perRequestUsd = services.Config.Budgets.PerRequestUsd },
                    models,
                    routes = routes.Select(r => new { task = r.Task, candidates = r.Candidates }),
                }, CliServices.Json));
                return ExitCodes.Success;
            }

            if (models.Count == 0)
            {
                Console.Out.WriteLine($"No models configured (looked in {services.UserConfigPath ?? "(no user config path)"} and {services.WorkspaceConfigPath}).");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("Model", "Provider", "Capabilities", "Endpoint / file", "Key set", "Details");
            foreach (var m in models)
            {
                var details = m.Provider == "local-gguf"
                    ? m.FileExists == true ? $"{m.SizeBytes / 1024.0 / 1024.0:0.0} MiB, {m.Architecture ?? "?"}, {m.Quantization ?? "?"}{(m.Error is null ? "" : ", " + m.Error)}" : "file missing"
                    : "";
                table.AddRow(
                    Markup.Escape(m.Name),
                    m.Provider,
                    Markup.Escape(string.Join(", ", m.Capabilities)),
                    Markup.Escape(m.Endpoint ?? m.Path ?? "(default)"),
                    m.ApiKeyEnv is null ? "-" : $"{Markup.Escape(m.ApiKeyEnv)}: {(m.KeySet == true ? "yes" : "no")}",
                    Markup.Escape(details));
            }

            AnsiConsole.Write(table);
            var routing = new Table().Border(TableBorder.Rounded).AddColumns("Task", "Candidates (best first)");
            foreach (var (task, candidates) in routes)
            {
                routing.AddRow(task, Markup.Escape(candidates.Count == 0 ? "(none)" : string.Join(" → ", candidates)));
            }

            AnsiConsole.Write(routing);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateUsage()
    {
        var since = new Option<string?>("--since") { Description = "First UTC day to include (YYYY-MM-DD); default: everything recorded." };
        var json = CommonOptions.Json();
        var command = new Command("usage", "Summarise recorded model calls by day, model and task: calls, tokens in/out, cost, failures.")
        {
            since, json,
        };
        command.SetAction(parse =>
        {
            DateOnly? from = null;
            if (parse.GetValue(since) is { } text)
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                {
                    Console.Error.WriteLine($"engram: --since takes a date as YYYY-MM-DD; found '{text}'.");
                    return ExitCodes.BadInput;
                }

                from = day;
            }

            var path = ModelServices.UsageLedgerPath();
            IReadOnlyList<UsageEntry> entries = [];
            if (File.Exists(path))
            {
                try
                {
                    using var ledger = new SqliteUsageLedger(path);
                    entries = ledger.GetEntries();
                }
                catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
                {
                    Console.Error.WriteLine($"engram: cannot read the usage ledger {path}: {ex.Message}");
                    return ExitCodes.Failure;
                }
            }

            var rows = entries
                .Where(e => from is null || DateOnly.FromDateTime(e.TimestampUtc.UtcDateTime) >= from)
                .GroupBy(e => (Day: DateOnly.FromDateTime(e.TimestampUtc.UtcDateTime), e.Model, e.Task))
                .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Model, StringComparer.Ordinal).ThenBy(g => g.Key.Task)
                .Select(g => new UsageRow(
                    g.Key.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    g.Key.Model,
                    ConfigNames.ToJsonName(g.Key.Task),
                    g.Count(),
                    g.Sum(e => e.InputTokens),
                    g.Sum(e => e.OutputTokens),
                    g.Sum(e => e.CostUsd),
                    g.Count(e => e.Outcome == UsageOutcome.Failed),
                    g.Count(e => e.Outcome == UsageOutcome.Refused),
                    g.Count(e => e.Outcome == UsageOutcome.Cancelled)))
                .ToList();
            var total = new
            {
                calls = rows.Sum(r => r.Calls),
                inputTokens = rows.Sum(r => r.InputTokens),
                outputTokens = rows.Sum(r => r.OutputTokens),
                costUsd = rows.Sum(r => r.CostUsd),
                failures = rows.Sum(r => r.Failures),
            };
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { ledger = path, since = from?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), rows, total }, CliServices.Json));
                return ExitCodes.Success;
            }

            if (rows.Count == 0)
            {
                Console.Out.WriteLine($"No model calls recorded{(from is null ? "" : " since " + from.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))} ({path}).");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("Day (UTC)", "Model", "Task", "Calls", "Tokens in", "Tokens out", "Cost USD", "Failures");
            foreach (var r in rows)
            {
                table.AddRow(r.Day, Markup.Escape(r.Model), r.Task, Invariant(r.Calls), Invariant(r.InputTokens), Invariant(r.OutputTokens), r.CostUsd.ToString("0.0000", CultureInfo.InvariantCulture), Invariant(r.Failures));
            }

            table.AddRow("total", "", "", Invariant(total.calls), Invariant(total.inputTokens), Invariant(total.outputTokens), total.costUsd.ToString("0.0000", CultureInfo.InvariantCulture), Invariant(total.failures));
            AnsiConsole.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateTest()
    {
        var name = new Argument<string>("model") { Description = "A model name from engram.json or 'engram models list', or the path of a .gguf file." };
        var prompt = new Argument<string?>("prompt") { Description = "The prompt (default: \"Once upon a time\").", Arity = ArgumentArity.ZeroOrOne };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Largest answer in tokens.", DefaultValueFactory = _ => 64 };
        var workspace = Workspace();
        var json = CommonOptions.Json();
        var command = new Command("test", "Send a prompt to one configured model and stream the answer (recorded in the usage ledger). Ctrl+C cancels.")
        {
            name, prompt, maxTokens, workspace, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var tokens = parse.GetValue(maxTokens);
            if (tokens <= 0)
            {
                Console.Error.WriteLine("engram: --max-tokens takes a positive number.");
                return ExitCodes.BadInput;
            }

            using var services = ModelServices.Open(parse.GetValue(workspace), out var exitCode);
            if (services is null)
            {
                return exitCode;
            }

            var modelName = parse.GetValue(name)!;
            var model = services.Config.FindModel(modelName);
            Engram.Features.Hosting.EngramModels? adHoc = null;
            if (model is null && FromPath(modelName) is { } fromPath)
            {
                // A GGUF file outside every discovered folder: tested as given, without registering it.
                adHoc = new Engram.Features.Hosting.EngramModels(services.WorkspaceRoot, services.Config with { Models = [.. services.Config.Models, fromPath] });
                model = fromPath;
            }

            if (model is null)
            {
                var known = services.Config.Models.Count == 0 ? "none configured or discovered" : string.Join(", ", services.Config.Models.Select(m => m.Name));
                Console.Error.WriteLine($"engram: no model named '{modelName}' is configured or found on this machine ({known}); name one of 'engram models list', or give the path of a .gguf file.");
                return ExitCodes.BadInput;
            }

            using var adHocScope = adHoc;
            var registry = (adHoc ?? services).Registry;

            var asJson = parse.GetValue(json);
            var text = new StringBuilder();
            long? inputTokens = null;
            long? outputTokens = null;
            var stopwatch = Stopwatch.StartNew();
            try
            {
                var client = new BudgetChatClient(
                    registry.GetChatClient(model.Name),
                    model,
                    services.Ledger,
                    new BudgetChatClientOptions { Budgets = services.Config.Budgets, Task = ModelTask.Dialogue });
                var options = new ChatOptions { MaxOutputTokens = tokens };
                if (model.Provider == ModelProvider.LocalGguf)
                {
                    // A plain continuation shows what the weights do; small base models have no chat template.
                    options.AdditionalProperties = new() { [LocalGgufChatClient.RawPromptProperty] = true };
                }

                var messages = new List<ChatMessage> { new(ChatRole.User, parse.GetValue(prompt) ?? "Once upon a time") };
                await foreach (var update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
                {
                    foreach (var content in update.Contents)
                    {
                        if (content is UsageContent usage)
                        {
                            inputTokens = usage.Details.InputTokenCount ?? inputTokens;
                            outputTokens = usage.Details.OutputTokenCount ?? outputTokens;
                        }
                        else if (content is TextContent piece)
                        {
                            text.Append(piece.Text);
                            if (!asJson)
                            {
                                Console.Out.Write(piece.Text);
                                Console.Out.Flush();
                            }
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine();
                Console.Error.WriteLine("engram: cancelled.");
                return ExitCodes.Failure;
            }
            catch (Exception ex) when (ex is ModelProviderException or BudgetExceededException or NotSupportedException or FileNotFoundException or ArgumentException or InvalidOperationException or HttpRequestException or IOException or SqliteException)
            {
                Console.Error.WriteLine($"engram: model '{model.Name}' failed: {ex.Message}");
                return ExitCodes.Failure;
            }

            stopwatch.Stop();
            if (asJson)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    model = model.Name,
                    provider = ConfigNames.ToJsonName(model.Provider),
                    text = text.ToString(),
                    inputTokens,
                    outputTokens,
                    latencyMs = Math.Round(stopwatch.Elapsed.TotalMilliseconds, 1),
                }, CliServices.Json));
            }
            else
            {
                Console.Out.WriteLine();
                Console.Error.WriteLine($"engram: {model.Name}: {inputTokens?.ToString(CultureInfo.InvariantCulture) ?? "?"} tokens in, {outputTokens?.ToString(CultureInfo.InvariantCulture) ?? "?"} out, {stopwatch.Elapsed.TotalMilliseconds:0} ms.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The discovered definition of the GGUF file at <paramref name="path"/>, or null when it is not a readable GGUF file.</summary>
    private static ModelDefinition? FromPath(string path)
    {
        if (!path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) || !File.Exists(path))
        {
            return null;
        }

        var full = Path.GetFullPath(path);
        var found = ModelDiscovery.Find(new DiscoveryOptions { Folders = [Path.GetDirectoryName(full)!], IncludeCaches = false });
        return found.FirstOrDefault(m => string.Equals(m.Path, full, StringComparison.Ordinal)) is { } match
            ? DiscoveredModels.ToDefinition(match) is { } definition ? definition with { Name = full } : null
            : null;
    }

    /// <summary>What <c>models status</c> and <c>doctor</c> know about one configured model without contacting it.</summary>
    internal static ModelStatus Describe(ModelDefinition model)
    {
        bool? keySet = model.ApiKeyEnv is { } variable ? !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)) : null;
        bool? fileExists = null;
        long? size = null;
        string? architecture = null;
        string? quantization = null;
        string? error = null;
        if (model.Provider == ModelProvider.LocalGguf)
        {
            fileExists = model.Path is not null && File.Exists(model.Path);
            if (fileExists == true)
            {
                size = new FileInfo(model.Path!).Length;
                try
                {
                    var header = GgufHeader.Read(model.Path!);
                    architecture = header.Architecture;
                    quantization = header.Quantization;
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or EndOfStreamException)
                {
                    error = ex.Message;
                }
            }
            else
            {
                error = model.Path is null ? "no path configured" : "file not found";
            }
        }

        return new ModelStatus(
            model.Name,
            ConfigNames.ToJsonName(model.Provider),
            [.. model.Capabilities.Select(ConfigNames.ToJsonName)],
            model.Endpoint is { } endpoint ? endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : null,
            model.Provider == ModelProvider.LocalGguf ? model.Path : null,
            model.ApiKeyEnv,
            keySet,
            fileExists,
            size,
            architecture,
            quantization,
            error);
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>One configured model as <c>models status</c> prints it; never holds a key, only whether its variable is set.</summary>
    internal sealed record ModelStatus(
        string Name,
        string Provider,
        IReadOnlyList<string> Capabilities,
        string? Endpoint,
        string? Path,
        string? ApiKeyEnv,
        bool? KeySet,
        bool? FileExists,
        long? SizeBytes,
        string? Architecture,
        string? Quantization,
        string? Error);

    private sealed record UsageRow(string Day, string Model, string Task, long Calls, long InputTokens, long OutputTokens, decimal CostUsd, long Failures, long Refused, long Cancelled);
}
