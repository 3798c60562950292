using System.CommandLine;
using System.Text.Json;
using Engram.Models.Discovery;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram models list</c> and <c>engram models pull NAME|URL [--sha256 HEX]</c>.</summary>
internal static class ModelsCommand
{
    public static Command Create() => new("models", "List local GGUF models and download new ones.")
    {
        CreateList(),
        CreatePull(),
    };

    /// <summary>
    /// Engram's own models folder, where <c>models pull</c> saves files and <c>models list</c> always looks:
    /// <c>$XDG_DATA_HOME/engram/models</c>, falling back to <c>~/.local/share/engram/models</c>.
    /// </summary>
    public static string DefaultModelsFolder()
    {
        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrWhiteSpace(dataHome))
        {
            dataHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return Path.Combine(dataHome, "engram", "models");
    }

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
}
