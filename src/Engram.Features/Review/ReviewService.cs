using System.Globalization;
using System.Text;
using System.Text.Json;
using Engram.Features.Docs;
using Engram.Files;
using LibGit2Sharp;
using Microsoft.Extensions.AI;

namespace Engram.Features.Review;

/// <summary>Severity of a review finding, as LSP <c>DiagnosticSeverity</c> names them.</summary>
public enum ReviewSeverity
{
    /// <summary>A defect that will misbehave.</summary>
    Error = 1,
    /// <summary>Likely a defect or a risk.</summary>
    Warning = 2,
    /// <summary>Worth knowing.</summary>
    Information = 3,
    /// <summary>A style or clarity suggestion.</summary>
    Hint = 4,
}

/// <summary>One review finding.</summary>
/// <param name="Path">Workspace-relative path, forward slashes.</param>
/// <param name="StartLine">1-based inclusive.</param>
/// <param name="EndLine">1-based inclusive, ≥ <paramref name="StartLine"/>.</param>
/// <param name="Severity">How serious it is.</param>
/// <param name="Code">A short kebab-case category such as <c>null-dereference</c>, <c>off-by-one</c>, <c>naming</c>.</param>
/// <param name="Message">What is wrong and why, one or two sentences.</param>
/// <param name="SuggestedFix">Replacement text for lines <paramref name="StartLine"/>..<paramref name="EndLine"/> (whole lines,
/// ending in a newline), or null when the finding has no mechanical fix.</param>
public sealed record ReviewFinding(string Path, int StartLine, int EndLine, ReviewSeverity Severity, string Code, string Message, string? SuggestedFix);

/// <summary>The outcome of a review.</summary>
/// <param name="Findings">Findings inside the reviewed lines, ordered by path then line.</param>
/// <param name="ReviewedPaths">Workspace-relative paths that were reviewed.</param>
/// <param name="Model">The model that answered, or null when nothing needed reviewing.</param>
/// <param name="Dropped">Findings the model returned that pointed outside the reviewed lines or files (dropped).</param>
public sealed record ReviewResult(IReadOnlyList<ReviewFinding> Findings, IReadOnlyList<string> ReviewedPaths, string? Model, int Dropped);

/// <summary>
/// AI review through the router: of a git diff (working tree against HEAD, or against a base revision) or of a range
/// of one document. The model answers in JSON; findings are validated against the reviewed lines.
/// </summary>
/// <remarks>
/// <para>The prompt shows each changed region with its new-file line numbers, changed lines marked <c>+</c> and
/// <see cref="ContextLines"/> unmarked lines around them. A finding is kept when its path was reviewed and its line
/// range overlaps a changed line; its end is clamped to the file. Diffs larger than <see cref="MaxPromptChars"/>
/// are reviewed in several model calls, split by file and then by region.</para>
/// <para>The answer is parsed tolerantly (code fences and prose around the JSON are ignored; an unparseable answer
/// yields no findings, never an exception). Thread-safe.</para>
/// </remarks>
public sealed class ReviewService
{
    private const string SystemPrompt =
        "You are a meticulous senior code reviewer. You report real defects (bugs, crashes, security problems, " +
        "resource leaks, wrong logic) and only clear, important style problems. You answer with JSON only.";

    /// <summary>Characters of numbered code per model call (default 24,000, about 6,000 tokens).</summary>
    public int MaxPromptChars { get; init; } = 24_000;

    /// <summary>Unchanged lines shown before and after each changed region (default 3).</summary>
    public int ContextLines { get; init; } = 3;

    /// <summary>
    /// Reviews the changes of the repository at <paramref name="root"/>: working tree (staged and unstaged, untracked
    /// files included) against <paramref name="baseRevision"/> (default <c>HEAD</c>).
    /// </summary>
    /// <param name="root">The repository's work-tree root.</param>
    /// <param name="baseRevision">A revision LibGit2Sharp can resolve, or null for HEAD.</param>
    /// <param name="paths">Workspace-relative paths to restrict the review to, or null for all changes.</param>
    /// <param name="client">The routed chat client for the review task.</param>
    /// <param name="cancellationToken">Cancels the model call.</param>
    /// <exception cref="ArgumentException">The folder is not a git work tree or the revision does not resolve.</exception>
    public async Task<ReviewResult> ReviewChangesAsync(string root, string? baseRevision, IReadOnlyList<string>? paths, IChatClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var files = CollectChanges(root, baseRevision, paths);
        return await ReviewFilesAsync(files, client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reviews lines <paramref name="startLine"/>..<paramref name="endLine"/> (1-based inclusive) of one document's text.</summary>
    /// <param name="relativePath">Workspace-relative path used in the findings.</param>
    /// <param name="text">The document's current text.</param>
    /// <param name="startLine">1-based inclusive.</param>
    /// <param name="endLine">1-based inclusive.</param>
    /// <param name="client">The routed chat client for the review task.</param>
    /// <param name="cancellationToken">Cancels the model call.</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is empty or starts after the end of the text.</exception>
    public async Task<ReviewResult> ReviewRangeAsync(string relativePath, string text, int startLine, int endLine, IChatClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var lines = LineDiff.Lines(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(startLine, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(endLine, startLine);
        if (startLine > Math.Max(1, lines.Length))
        {
            throw new ArgumentOutOfRangeException(nameof(startLine), $"Line {startLine} is after the end of the text ({lines.Length} lines).");
        }

        endLine = Math.Min(endLine, Math.Max(1, lines.Length));
        var file = new FileChanges(Normalize(relativePath), lines, [(startLine, endLine)]);
        return await ReviewFilesAsync([file], client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Lines (1-based inclusive ranges) of <paramref name="relativePath"/> that differ from HEAD, for review on save;
    /// the whole file when it is untracked or outside git; empty when unchanged.
    /// </summary>
    public IReadOnlyList<(int StartLine, int EndLine)> ChangedLines(string root, string relativePath, string text)
    {
        var newLines = LineDiff.Lines(text);
        IReadOnlyList<(int, int)> whole = newLines.Length == 0 ? [] : [(1, newLines.Length)];
        var fullRoot = Path.GetFullPath(root);
        var gitDir = Repository.Discover(fullRoot);
        if (gitDir is null)
        {
            return whole;
        }

        using var repo = new Repository(gitDir);
        if (repo.Info.IsBare || repo.Head.Tip is null)
        {
            return whole;
        }

        var repoPath = RepositoryPrefix(repo, fullRoot) + Normalize(relativePath);
        if (repo.Head.Tip[repoPath]?.Target is not Blob blob)
        {
            return whole;
        }

        var oldLines = LineDiff.Lines(blob.GetContentText());
        return LineDiff.ChangedRanges(oldLines, newLines);
    }

    private static List<FileChanges> CollectChanges(string root, string? baseRevision, IReadOnlyList<string>? paths)
    {
        var fullRoot = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        var gitDir = Directory.Exists(fullRoot) ? Repository.Discover(fullRoot) : null;
        if (gitDir is null)
        {
            throw new ArgumentException($"'{root}' is not inside a git work tree.", nameof(root));
        }

        using var repo = new Repository(gitDir);
        if (repo.Info.IsBare)
        {
            throw new ArgumentException($"'{root}' is a bare repository.", nameof(root));
        }

        Tree? baseTree = null;
        if (baseRevision is not null || repo.Head.Tip is not null)
        {
            var commit = repo.Lookup<Commit>(baseRevision ?? "HEAD")
                ?? throw new ArgumentException($"The revision '{baseRevision}' does not resolve to a commit.", nameof(baseRevision));
            baseTree = commit.Tree;
        }

        var prefix = RepositoryPrefix(repo, fullRoot);
        var filter = paths?.Select(p => prefix + Normalize(p)).ToList();
        var result = new Dictionary<string, FileChanges>(StringComparer.Ordinal);
        var patch = repo.Diff.Compare<Patch>(baseTree, DiffTargets.Index | DiffTargets.WorkingDirectory,
            filter is { Count: > 0 } ? filter : null, null, new LibGit2Sharp.CompareOptions { ContextLines = 0, InterhunkLines = 0 });
        foreach (var entry in patch)
        {
            if (entry.IsBinaryComparison || entry.Status == ChangeKind.Deleted || !entry.Path.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var relative = entry.Path[prefix.Length..];
            var lines = ReadLines(fullRoot, relative);
            if (lines is null)
            {
                continue;
            }

            var flags = new bool[lines.Length];
            foreach (var added in entry.AddedLines)
            {
                if (added.LineNumber >= 1 && added.LineNumber <= lines.Length)
                {
                    flags[added.LineNumber - 1] = true;
                }
            }

            var ranges = LineDiff.Ranges(flags);
            if (ranges.Count > 0)
            {
                result[relative] = new FileChanges(relative, lines, ranges);
            }
        }

        // Untracked files are reviewed as wholly added.
        var status = repo.RetrieveStatus(new StatusOptions { IncludeUntracked = true, RecurseUntrackedDirs = true, IncludeIgnored = false });
        foreach (var untracked in status.Untracked)
        {
            if (!untracked.FilePath.StartsWith(prefix, StringComparison.Ordinal)
                || (filter is { Count: > 0 } && !filter.Any(f => untracked.FilePath == f || untracked.FilePath.StartsWith(f.TrimEnd('/') + "/", StringComparison.Ordinal))))
            {
                continue;
            }

            var relative = untracked.FilePath[prefix.Length..];
            if (ReadLines(fullRoot, relative) is { Length: > 0 } lines && !result.ContainsKey(relative))
            {
                result[relative] = new FileChanges(relative, lines, [(1, lines.Length)]);
            }
        }

        return result.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
    }

    private async Task<ReviewResult> ReviewFilesAsync(List<FileChanges> files, IChatClient client, CancellationToken cancellationToken)
    {
        var reviewed = files.Select(f => f.Path).ToList();
        if (files.Count == 0)
        {
            return new ReviewResult([], [], null, 0);
        }

        var findings = new List<ReviewFinding>();
        var dropped = 0;
        string? model = null;
        var byPath = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        foreach (var batch in Batches(files))
        {
            var response = await client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, SystemPrompt), new ChatMessage(ChatRole.User, Prompt(batch))],
                new ChatOptions { Temperature = 0.1f },
                cancellationToken).ConfigureAwait(false);
            model ??= DocCommentGenerator.ModelName(response);
            var defaultPath = batch.Select(s => s.Path).Distinct().Count() == 1 ? batch[0].Path : null;
            foreach (var finding in Parse(response.Text ?? "", defaultPath))
            {
                if (Validate(finding, byPath) is { } valid)
                {
                    if (!findings.Contains(valid))
                    {
                        findings.Add(valid);
                    }
                }
                else
                {
                    dropped++;
                }
            }
        }

        findings.Sort((a, b) =>
        {
            var byFile = string.CompareOrdinal(a.Path, b.Path);
            return byFile != 0 ? byFile : a.StartLine != b.StartLine ? a.StartLine.CompareTo(b.StartLine) : a.EndLine.CompareTo(b.EndLine);
        });
        return new ReviewResult(findings, reviewed, model, dropped);
    }

    // Numbered sections (one per changed region, split further when one alone exceeds the budget), packed into batches.
    private List<List<Section>> Batches(List<FileChanges> files)
    {
        var sections = new List<Section>();
        var budget = Math.Max(1000, MaxPromptChars);
        foreach (var file in files)
        {
            foreach (var (start, end) in MergeWithContext(file))
            {
                var sb = new StringBuilder();
                var sectionStart = start;
                for (var line = start; line <= end; line++)
                {
                    var rendered = Render(file, line);
                    if (sb.Length > 0 && sb.Length + rendered.Length > budget)
                    {
                        sections.Add(new Section(file.Path, sectionStart, line - 1, sb.ToString()));
                        sb.Clear();
                        sectionStart = line;
                    }

                    sb.Append(rendered);
                }

                if (sb.Length > 0)
                {
                    sections.Add(new Section(file.Path, sectionStart, end, sb.ToString()));
                }
            }
        }

        var batches = new List<List<Section>>();
        var current = new List<Section>();
        var size = 0;
        foreach (var section in sections)
        {
            if (current.Count > 0 && size + section.Text.Length > budget)
            {
                batches.Add(current);
                current = [];
                size = 0;
            }

            current.Add(section);
            size += section.Text.Length;
        }

        if (current.Count > 0)
        {
            batches.Add(current);
        }

        return batches;
    }

    private IEnumerable<(int Start, int End)> MergeWithContext(FileChanges file)
    {
        (int Start, int End)? open = null;
        foreach (var (start, end) in file.Changed)
        {
            var s = Math.Max(1, start - ContextLines);
            var e = Math.Min(file.Lines.Length, end + ContextLines);
            if (open is { } o && s <= o.End + 1)
            {
                open = (o.Start, Math.Max(o.End, e));
                continue;
            }

            if (open is { } done)
            {
                yield return done;
            }

            open = (s, e);
        }

        if (open is { } last)
        {
            yield return last;
        }
    }

    private static string Render(FileChanges file, int line) =>
        string.Create(CultureInfo.InvariantCulture, $"{(file.IsChanged(line) ? '+' : ' ')}{line,6}| {file.Lines[line - 1]}\n");

    private static string Prompt(List<Section> batch)
    {
        var sb = new StringBuilder();
        sb.Append("""
            Review the code changes below. Lines marked '+' were added or changed; the other lines are context.
            Each line shows its line number in the new file, then '|'. Report only problems in the '+' lines.

            Answer with JSON only, in exactly this format:
            {"findings":[{"path":"<file path as given>","startLine":<number>,"endLine":<number>,"severity":"error|warning|information|hint","code":"<kebab-case-category>","message":"<what is wrong and why>","suggestedFix":"<replacement text for lines startLine..endLine, or null>"}]}
            Use the line numbers shown. When nothing is wrong, answer {"findings":[]}.

            """);
        string? path = null;
        foreach (var section in batch)
        {
            if (section.Path != path)
            {
                sb.Append("\nFile: ").Append(section.Path).Append('\n');
                path = section.Path;
            }
            else
            {
                sb.Append("   ...\n");
            }

            sb.Append(section.Text);
        }

        return sb.ToString();
    }

    private static ReviewFinding? Validate(RawFinding raw, Dictionary<string, FileChanges> files)
    {
        if (raw.Path is null || !files.TryGetValue(Normalize(raw.Path), out var file) || raw.StartLine < 1)
        {
            return null;
        }

        var end = Math.Min(Math.Max(raw.EndLine, raw.StartLine), file.Lines.Length);
        if (raw.StartLine > end || !file.Changed.Any(r => r.StartLine <= end && raw.StartLine <= r.EndLine))
        {
            return null;
        }

        var fix = raw.SuggestedFix;
        if (fix is not null && !fix.EndsWith('\n'))
        {
            fix += "\n";
        }

        return new ReviewFinding(file.Path, raw.StartLine, end, raw.Severity, raw.Code, raw.Message, fix);
    }

    /// <summary>Findings in a model answer; code fences and prose around the JSON are ignored; garbage gives none.</summary>
    internal static List<RawFinding> Parse(string answer, string? defaultPath)
    {
        var result = new List<RawFinding>();
        var text = DocCommentGenerator.StripFences(answer);
        JsonElement root;
        if (TryParse(text, '{', '}') is { } obj)
        {
            root = obj;
        }
        else if (TryParse(text, '[', ']') is { } array)
        {
            root = array;
        }
        else
        {
            return result;
        }

        var items = root.ValueKind == JsonValueKind.Array ? root
            : root.ValueKind == JsonValueKind.Object && TryGet(root, "findings") is { ValueKind: JsonValueKind.Array } list ? list
            : default;
        if (items.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var message = String(item, "message");
            var start = Int(item, "startLine") ?? Int(item, "line");
            if (string.IsNullOrWhiteSpace(message) || start is null)
            {
                continue;
            }

            result.Add(new RawFinding(
                String(item, "path") ?? String(item, "file") ?? defaultPath,
                start.Value,
                Int(item, "endLine") ?? start.Value,
                Severity(TryGet(item, "severity")),
                String(item, "code") is { Length: > 0 } code ? code : "review",
                message.Trim(),
                String(item, "suggestedFix")));
        }

        return result;
    }

    private static JsonElement? TryParse(string text, char open, char close)
    {
        var first = text.IndexOf(open);
        var last = text.LastIndexOf(close);
        if (first < 0 || last <= first)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text[first..(last + 1)], new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonElement? TryGet(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string? String(JsonElement element, string name) =>
        TryGet(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static int? Int(JsonElement element, string name) => TryGet(element, name) switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var i) => i,
        { ValueKind: JsonValueKind.String } s when int.TryParse(s.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
        _ => null,
    };

    private static ReviewSeverity Severity(JsonElement? value)
    {
        if (value is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out var i) && i is >= 1 and <= 4)
        {
            return (ReviewSeverity)i;
        }

        return (value is { ValueKind: JsonValueKind.String } s ? s.GetString()?.Trim().ToLowerInvariant() : null) switch
        {
            "error" or "critical" or "high" or "blocker" => ReviewSeverity.Error,
            "info" or "information" or "informational" or "low" or "note" => ReviewSeverity.Information,
            "hint" or "style" or "nit" or "suggestion" => ReviewSeverity.Hint,
            _ => ReviewSeverity.Warning,
        };
    }

    private static string[]? ReadLines(string root, string relative)
    {
        var full = Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
        try
        {
            // A changed file may be a symbolic link (git stores them): its target is read only inside the root.
            var bytes = WorkspaceFile.ReadAllBytes(full, root, WorkspaceFile.DefaultMaxBytes);
            if (bytes.AsSpan(0, Math.Min(bytes.Length, 8000)).Contains((byte)0))
            {
                return null; // Binary, as git decides.
            }

            return LineDiff.Lines(new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF'));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string RepositoryPrefix(Repository repo, string fullRoot)
    {
        var workdir = Path.GetFullPath(repo.Info.WorkingDirectory).TrimEnd(Path.DirectorySeparatorChar);
        var root = fullRoot.TrimEnd(Path.DirectorySeparatorChar);
        return workdir == root ? "" : Path.GetRelativePath(workdir, root).Replace('\\', '/') + "/";
    }

    private static string Normalize(string path)
    {
        var p = path.Replace('\\', '/').Trim();
        while (p.StartsWith("./", StringComparison.Ordinal))
        {
            p = p[2..];
        }

        return p.TrimStart('/');
    }

    internal sealed record RawFinding(string? Path, int StartLine, int EndLine, ReviewSeverity Severity, string Code, string Message, string? SuggestedFix);

    private sealed record Section(string Path, int StartLine, int EndLine, string Text);

    private sealed class FileChanges(string path, string[] lines, List<(int StartLine, int EndLine)> changed)
    {
        public string Path { get; } = path;

        public string[] Lines { get; } = lines;

        public List<(int StartLine, int EndLine)> Changed { get; } = changed;

        public bool IsChanged(int line) => Changed.Any(r => r.StartLine <= line && line <= r.EndLine);
    }
}
