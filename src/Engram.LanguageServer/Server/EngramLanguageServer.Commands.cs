using System.Globalization;
using System.Text;
using System.Text.Json;
using Engram.Core.Search;
using Engram.Features.Dialogue;
using Engram.Features.Explain;
using Engram.Features.Hosting;
using Engram.Features.Research;
using Engram.LanguageServer.Documents;
using Engram.LanguageServer.Protocol;
using Engram.Models.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace Engram.LanguageServer.Server;

internal sealed partial class EngramLanguageServer
{
    private readonly Lock _dialogueLock = new();
    private DialogueService? _dialogue;
    private int _explainCounter;

    [JsonRpcMethod("workspace/executeCommand", UseSingleObjectParameterDeserialization = true)]
    public async Task<object?> ExecuteCommandAsync(ExecuteCommandParams? parameters, CancellationToken cancellationToken)
    {
        Require(parameters?.Command, "command");
        var command = parameters!.Command;
        var arguments = parameters.Arguments ?? [];
        if (!CommandNames.All.Contains(command))
        {
            throw Error(LspErrorCodes.InvalidParams, $"Invalid params: unknown command '{command}'. Known: {string.Join(", ", CommandNames.All)}.");
        }

        ValidateArguments(command, arguments);

        // Capture document snapshots in message order before leaving the dispatch context.
        var document = command is CommandNames.ReviewRange or CommandNames.Explain or CommandNames.GenerateDocs or CommandNames.Refactor
            || (command == CommandNames.ReviewChanges && arguments.Count > 0 && arguments[0].ValueKind == JsonValueKind.String)
            ? RequireDocument(new TextDocumentIdentifier(Argument<string>(arguments, 0, "uri")))
            : null;
        await TaskScheduler.Default;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var progress = command is CommandNames.ReviewChanges or CommandNames.ReviewRange or CommandNames.Explain or CommandNames.Refactor or CommandNames.GenerateDocs
            ? await Client.BeginProgressAsync(ProgressTitle(command), null, cancellationToken).ConfigureAwait(false)
            : ProgressReporter.None;
        try
        {
            return command switch
            {
                CommandNames.Index => await IndexCommandAsync(cancellationToken).ConfigureAwait(false),
                CommandNames.ReviewChanges => new { findings = document is null ? await ReviewWorkingTreeAsync(cancellationToken).ConfigureAwait(false) : await ReviewDocumentAsync(document, null, cancellationToken).ConfigureAwait(false) },
                CommandNames.ReviewRange => new { findings = await ReviewDocumentAsync(document!, LineSpan(document!, Argument<Protocol.Range>(arguments, 1, "range")), cancellationToken).ConfigureAwait(false) },
                CommandNames.Explain => await ExplainAsync(document!, Argument<Protocol.Range>(arguments, 1, "range"), cancellationToken).ConfigureAwait(false),
                CommandNames.GenerateDocs => await GenerateDocsAsync(document!, Argument<Position>(arguments, 1, "position"), cancellationToken).ConfigureAwait(false),
                CommandNames.Refactor => await RefactorAsync(document!, Argument<Protocol.Range>(arguments, 1, "range"), OptionalArgument<string>(arguments, 2), cancellationToken).ConfigureAwait(false),
                CommandNames.Ask => await AskAsync(Argument<string>(arguments, 0, "question"), cancellationToken).ConfigureAwait(false),
                CommandNames.ListModes => Dialogue().ListModes().Select(m => new { name = m.Name, description = m.Description }).ToList(),
                CommandNames.RunDialogue => await RunDialogueAsync(Argument<string>(arguments, 0, "mode"), Argument<string>(arguments, 1, "topic"), cancellationToken).ConfigureAwait(false),
                CommandNames.Usage => Usage(),
                CommandNames.Status => BuildStatus(),
                CommandNames.Search => await SearchAsync(Argument<string>(arguments, 0, "query"), OptionalArgument<int?>(arguments, 1) ?? 10, cancellationToken).ConfigureAwait(false),
                _ => throw Error(LspErrorCodes.InvalidParams, $"Invalid params: unknown command '{command}'."),
            };
        }
        catch (ModelUnavailableException ex)
        {
            Client.ShowMessageOnce("no-model:" + ex.Task, MessageType.Warning, "Engram: " + ex.Message);
            throw Error(LspErrorCodes.RequestFailed, ex.Message);
        }
        catch (NotImplementedException)
        {
            throw Error(LspErrorCodes.RequestFailed, $"'{command}' is not available in this build yet.");
        }
        catch (ArgumentException ex)
        {
            throw Error(LspErrorCodes.RequestFailed, ex.Message);
        }
        catch (KeyNotFoundException ex)
        {
            throw Error(LspErrorCodes.RequestFailed, ex.Message);
        }
        finally
        {
            progress.End();
            Client.LogTrace($"{command} took {started.Elapsed.TotalMilliseconds:0} ms");
        }
    }

    private static string ProgressTitle(string command) => command switch
    {
        CommandNames.ReviewChanges or CommandNames.ReviewRange => "Engram: reviewing",
        CommandNames.Explain => "Engram: explaining",
        CommandNames.Refactor => "Engram: refactoring",
        _ => "Engram: writing documentation",
    };

    /// <summary>Throws InvalidParams before any work when a required argument is missing or of the wrong shape.</summary>
    private static void ValidateArguments(string command, IReadOnlyList<JsonElement> arguments)
    {
        switch (command)
        {
            case CommandNames.ReviewRange or CommandNames.Explain or CommandNames.Refactor:
                _ = Argument<string>(arguments, 0, "uri");
                _ = Argument<Protocol.Range>(arguments, 1, "range");
                _ = OptionalArgument<string>(arguments, 2);
                break;
            case CommandNames.GenerateDocs:
                _ = Argument<string>(arguments, 0, "uri");
                _ = Argument<Position>(arguments, 1, "position");
                break;
            case CommandNames.ReviewChanges:
                _ = OptionalArgument<string>(arguments, 0);
                break;
            case CommandNames.Ask:
                _ = Argument<string>(arguments, 0, "question");
                break;
            case CommandNames.RunDialogue:
                _ = Argument<string>(arguments, 0, "mode");
                _ = Argument<string>(arguments, 1, "topic");
                break;
            case CommandNames.Search:
                _ = Argument<string>(arguments, 0, "query");
                _ = OptionalArgument<int?>(arguments, 1);
                break;
        }
    }

    private async Task<object> IndexCommandAsync(CancellationToken cancellationToken)
    {
        var reports = await UpdateIndexAsync(cancellationToken).ConfigureAwait(false);
        return new
        {
            roots = reports.Select(r => new { root = r.Root, files = r.Files, chunks = r.Chunks, filesUpdated = r.FilesUpdated, seconds = Math.Round(r.Elapsed.TotalSeconds, 3) }).ToList(),
        };
    }

    private async Task<object> SearchAsync(string query, int top, CancellationToken cancellationToken)
    {
        var workspace = Workspace ?? throw Error(LspErrorCodes.RequestFailed, "No workspace.");
        var hits = await workspace.SearchAsync(query, new SearchOptions(Top: Math.Clamp(top, 1, 100)), cancellationToken).ConfigureAwait(false);
        return new
        {
            hits = hits.Select(h => new
            {
                uri = LspUris.FromPath(Path.Combine(h.Root, h.Path)),
                path = h.Path,
                startLine = h.StartLine,
                endLine = h.EndLine,
                score = Math.Round(h.Score, 4),
                symbol = h.Symbol,
                kind = h.Kind,
                stale = h.Stale,
            }).ToList(),
        };
    }

    private async Task<object> ExplainAsync(TextDocument document, Protocol.Range range, CancellationToken cancellationToken)
    {
        var client = RequireClient(ModelTask.CodeAction);
        var (start, end) = LineSpan(document, range);
        var path = LspUris.ToPath(document.Uri) ?? document.Uri;
        var result = await new ExplainService(Workspace).ExplainAsync(path, document.Text, start, end, client, cancellationToken).ConfigureAwait(false);
        SendStatus(force: false);
        string? uri = null;
        if (Client.SupportsShowDocument)
        {
            var folder = Path.Combine(Path.GetTempPath(), "engram-explain");
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileNameWithoutExtension(path)}-{start}-{end}-{Interlocked.Increment(ref _explainCounter)}.md"));
            await File.WriteAllTextAsync(file, result.Markdown, cancellationToken).ConfigureAwait(false);
            uri = LspUris.FromPath(file);
            RunInBackground("showDocument", token => Client.RequestAsync<ShowDocumentResult?>("window/showDocument", new ShowDocumentParams(uri, TakeFocus: false), token));
        }
        else
        {
            Client.ShowMessage(MessageType.Info, result.Markdown);
        }

        return new { markdown = result.Markdown, uri };
    }

    private async Task<object> GenerateDocsAsync(TextDocument document, Position position, CancellationToken cancellationToken)
    {
        IChatClient? client = null;
        try
        {
            client = RequireClient(ModelTask.Docs);
        }
        catch (Exception ex) when (ex is ModelUnavailableException or LocalRpcException)
        {
            Client.ShowMessageOnce("no-model:docs", MessageType.Info, "Engram: documentation skeleton only. " + ex.Message);
        }

        var path = LspUris.ToPath(document.Uri) ?? document.Uri;
        var utf16 = document.ToPosition(document.ToOffset(position, Encoding), PositionEncodingKind.Utf16);
        var result = await _docs.GenerateAsync(path, document.Text, utf16.Line, utf16.Character, document.LanguageId, client, cancellationToken).ConfigureAwait(false)
            ?? throw Error(LspErrorCodes.RequestFailed, "No undocumented declaration at this position.");
        var at = document.ToPosition(document.LineStart(result.Comment.InsertLine), Encoding);
        var edit = WorkspaceEditFor(document, [new TextEdit(new Protocol.Range(at, at), result.Comment.Text)]);
        var applied = await ApplyEditAsync(edit, "Engram: generate documentation", cancellationToken).ConfigureAwait(false);
        SendStatus(force: false);
        return new { applied, usedModel = result.UsedModel };
    }

    private async Task<object> RefactorAsync(TextDocument document, Protocol.Range range, string? instruction, CancellationToken cancellationToken)
    {
        var client = RequireClient(ModelTask.CodeAction);
        var start = document.ToOffset(range.Start, Encoding);
        var end = document.ToOffset(range.End, Encoding);
        if (end <= start)
        {
            throw Error(LspErrorCodes.InvalidParams, "Invalid params: the refactoring range is empty.");
        }

        var original = document.Text[start..end];
        instruction = string.IsNullOrWhiteSpace(instruction) ? "Improve readability without changing behaviour." : instruction.Trim();
        var path = LspUris.ToPath(document.Uri) ?? document.Uri;
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, "You rewrite code as instructed. Reply with only the replacement code for the given selection: no explanation, no Markdown fences. Keep the indentation of the original."),
            new(ChatRole.User, $"File: {Path.GetFileName(path)} ({document.LanguageId})\nInstruction: {instruction}\nSelection:\n{original}"),
        };
        var response = await client.GetResponseAsync(messages, new ChatOptions { Temperature = 0 }, cancellationToken).ConfigureAwait(false);
        var replacement = StripFences(response.Text ?? "");
        if (replacement.Trim().Length == 0)
        {
            throw Error(LspErrorCodes.RequestFailed, "The model returned no code.");
        }

        if (original.EndsWith('\n') && !replacement.EndsWith('\n'))
        {
            replacement += "\n";
        }

        var edit = WorkspaceEditFor(document, [new TextEdit(new Protocol.Range(document.ToPosition(start, Encoding), document.ToPosition(end, Encoding)), replacement)]);
        var applied = await ApplyEditAsync(edit, "Engram: refactor", cancellationToken).ConfigureAwait(false);
        SendStatus(force: false);
        return new { applied };
    }

    private async Task<object> AskAsync(string question, CancellationToken cancellationToken)
    {
        var workspace = Workspace ?? throw Error(LspErrorCodes.RequestFailed, "No workspace.");
        IChatClient? client = Models?.TryGetChatClient(ModelTask.Research, _settings.ModelName);
        if (client is null)
        {
            Client.ShowMessageOnce("no-model:research", MessageType.Info, "Engram ask: no research model is configured, so answers are extractive (ranked passages with citations).");
        }

        var progress = await Client.BeginProgressAsync("Engram: researching", question, cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await new ResearchService(workspace).ResearchAsync(question, 2, client, new Progress<string>(line => progress.Report(line)), cancellationToken).ConfigureAwait(false);
            SendStatus(force: false);
            return new
            {
                markdown = result.Answer,
                citations = result.Citations.Select(c => new { uri = LspUris.FromPath(Path.Combine(c.Root, c.Path)), path = c.Path, startLine = c.StartLine, endLine = c.EndLine }).ToList(),
                extractive = result.Extractive,
            };
        }
        finally
        {
            progress.End();
        }
    }

    private async Task<object> RunDialogueAsync(string mode, string topic, CancellationToken cancellationToken)
    {
        // A dialogue may outlast the reload grace period: pin its configuration generation until it ends.
        using var lease = _reloading?.Acquire();
        var service = Dialogue(lease?.Models);
        var progress = await Client.BeginProgressAsync("Engram: dialogue", mode, cancellationToken).ConfigureAwait(false);
        try
        {
            var summary = await service.RunAsync(mode, topic, null, new Progress<string>(line => progress.Report(line)), cancellationToken).ConfigureAwait(false);
            SendStatus(force: false);
            return new { id = summary.Id, status = summary.Status.ToString().ToLowerInvariant(), markdown = service.Export(summary.Id, "markdown") };
        }
        finally
        {
            progress.End();
        }
    }

    /// <summary>The dialogue engine over the models in force (a new one after a configuration reload).</summary>
    private DialogueService Dialogue(EngramModels? pinned = null)
    {
        var models = pinned ?? Models ?? throw Error(LspErrorCodes.RequestFailed, _configError ?? "No model configuration.");
        lock (_dialogueLock)
        {
            if (_dialogue is { } existing && ReferenceEquals(existing.Models, models))
            {
                return existing;
            }

            return _dialogue = new DialogueService(models, ModesDirectories(), _options.DialogueDatabasePath ?? DialogueService.DefaultDatabasePath(), Workspace);
        }
    }

    private List<string> ModesDirectories() => _options.ModesDirectories?.ToList() ?? DefaultModesDirectories();

    private List<string> DefaultModesDirectories() =>
        DialogueService.DefaultModeDirectories(Workspace?.Roots is { Count: > 0 } roots ? roots[0] : null).ToList();

    private object Usage()
    {
        var today = new DateTimeOffset(DateTimeOffset.UtcNow.Date, TimeSpan.Zero);
        var entries = Models is { } models && models.Config.Models.Count > 0
            ? models.Ledger.GetEntries().Where(e => e.TimestampUtc >= today).ToList()
            : [];
        return new
        {
            todayCost = entries.Sum(e => e.CostUsd),
            todayCalls = entries.Count,
            models = entries.GroupBy(e => e.Model, StringComparer.Ordinal)
                .Select(g => new { model = g.Key, calls = g.Count(), cost = g.Sum(e => e.CostUsd) })
                .OrderByDescending(m => m.cost).ToList(),
        };
    }

    private async Task<bool> ApplyEditAsync(WorkspaceEdit edit, string label, CancellationToken cancellationToken)
    {
        if (!Client.SupportsApplyEdit)
        {
            throw Error(LspErrorCodes.RequestFailed, "The client does not support workspace/applyEdit.");
        }

        var result = await Client.RequestAsync<ApplyWorkspaceEditResult?>("workspace/applyEdit", new ApplyWorkspaceEditParams(edit, label), cancellationToken).ConfigureAwait(false);
        return result?.Applied == true;
    }

    /// <summary>1-based inclusive lines covered by <paramref name="range"/> (an end at column 0 excludes its line).</summary>
    private (int Start, int End) LineSpan(TextDocument document, Protocol.Range range)
    {
        var start = document.LineOf(document.ToOffset(range.Start, Encoding));
        var endOffset = document.ToOffset(range.End, Encoding);
        var end = document.LineOf(endOffset);
        if (end > start && endOffset == document.LineStart(end))
        {
            end--;
        }

        return (start + 1, Math.Max(start, end) + 1);
    }

    private static string StripFences(string text)
    {
        var trimmed = text.Trim('\n', '\r');
        if (!trimmed.TrimStart().StartsWith("```", StringComparison.Ordinal))
        {
            return trimmed;
        }

        var lines = trimmed.Split('\n').ToList();
        lines.RemoveAt(0);
        var close = lines.FindLastIndex(l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
        if (close >= 0)
        {
            lines.RemoveRange(close, lines.Count - close);
        }

        return new StringBuilder().AppendJoin('\n', lines).ToString();
    }

    private static T Argument<T>(IReadOnlyList<JsonElement> arguments, int index, string name)
    {
        if (index >= arguments.Count || arguments[index].ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            throw Error(LspErrorCodes.InvalidParams, $"Invalid params: argument {index} ('{name}') is required.");
        }

        try
        {
            var value = arguments[index].Deserialize<T>(LspJson.Options) ?? throw Error(LspErrorCodes.InvalidParams, $"Invalid params: argument {index} ('{name}') is null.");
            if (value is Protocol.Range { Start: null } or Protocol.Range { End: null })
            {
                throw Error(LspErrorCodes.InvalidParams, $"Invalid params: argument {index} ('{name}') needs 'start' and 'end'.");
            }

            return value;
        }
        catch (JsonException ex)
        {
            throw Error(LspErrorCodes.InvalidParams, $"Invalid params: argument {index} ('{name}') is not a {typeof(T).Name}: {ex.Message}");
        }
    }

    private static T? OptionalArgument<T>(IReadOnlyList<JsonElement> arguments, int index)
    {
        if (index >= arguments.Count || arguments[index].ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return default;
        }

        try
        {
            return arguments[index].Deserialize<T>(LspJson.Options);
        }
        catch (JsonException ex)
        {
            throw Error(LspErrorCodes.InvalidParams, $"Invalid params: argument {index} is not a {typeof(T).Name}: {ex.Message}");
        }
    }
}
