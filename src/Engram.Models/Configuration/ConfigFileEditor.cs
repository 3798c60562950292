using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Engram.Models.Configuration;

/// <summary>
/// Changes an <c>engram.json</c> file in place for commands such as <c>engram trust</c>: sets members to new values
/// and keeps every other byte (comments, order, indentation, line endings, a byte-order mark) as it was; writes the
/// result atomically (a temporary file in the same folder, then a rename), so a crash leaves the old or the new file,
/// never a mix.
/// </summary>
/// <remarks>
/// <para>A new member goes after the last member of its object, indented like it; a value that fits in 80 characters
/// is written on one line (<c>["/a", "/b"]</c>), a longer one indented over several. A symbolic link to the file stays
/// a link: its final target is the file replaced. The file's permissions are kept.</para>
/// <para>Writers of one file take turns through an OS lock on <c>.NAME.lock</c> beside it (<see cref="FileShare.None"/>,
/// released when the handle closes, also when the process is killed), so two commands never lose each other's edit.</para>
/// </remarks>
public static class ConfigFileEditor
{
    private const int InlineLimit = 80;
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(10);
    private static readonly JsonDocumentOptions s_documentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
    private static readonly JsonReaderOptions s_readerOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// Reads the configuration at <paramref name="path"/> (an empty one when the file does not exist), asks
    /// <paramref name="plan"/> for the edits to make, applies them, checks the result with
    /// <see cref="EngramConfigLoader.Parse"/> and replaces the file. Nothing is written when the plan is empty.
    /// </summary>
    /// <param name="path">The file, e.g. <see cref="EngramConfigLoader.GetUserConfigPath"/>; its folder is created when missing.</param>
    /// <param name="plan">Given the file's current configuration, the edits to make (empty: none).</param>
    /// <returns>The configuration after the edits (the current one when there were none).</returns>
    /// <exception cref="ConfigException">The file is not a valid configuration now, or would not be after the edits (nothing is written).</exception>
    /// <exception cref="IOException">The file cannot be read or written, or another writer held the lock for 10 s.</exception>
    /// <exception cref="UnauthorizedAccessException">The file or its folder is not writable.</exception>
    public static EngramConfig Update(string path, Func<EngramConfig, IReadOnlyList<ConfigEdit>> plan)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(plan);
        var target = FinalTarget(Path.GetFullPath(path));
        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);
        using var writerLock = AcquireLock(Path.Combine(folder, "." + Path.GetFileName(target) + ".lock"));
        var bytes = File.Exists(target) ? File.ReadAllBytes(target) : [];
        var bom = bytes.AsSpan().StartsWith("\uFEFF"u8);
        var text = Encoding.UTF8.GetString(bytes.AsSpan(bom ? 3 : 0));
        var current = string.IsNullOrWhiteSpace(text) ? EngramConfig.Empty : EngramConfigLoader.Parse(text, path);
        var edits = plan(current);
        if (edits.Count == 0)
        {
            return current;
        }

        var edited = text;
        foreach (var edit in edits)
        {
            edited = SetValue(edited, edit.PropertyPath, edit.Value);
        }

        var after = EngramConfigLoader.Parse(edited, path);
        WriteAtomically(target, bom ? [.. "\uFEFF"u8, .. Encoding.UTF8.GetBytes(edited)] : Encoding.UTF8.GetBytes(edited));
        return after;
    }

    /// <summary>
    /// <paramref name="json"/> with the member at <paramref name="propertyPath"/> set to <paramref name="value"/>
    /// (objects missing on the way are created); every other character is kept. Blank text is taken as <c>{}</c>.
    /// Comments and trailing commas are allowed in <paramref name="json"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="propertyPath"/> is empty.</exception>
    /// <exception cref="JsonException"><paramref name="json"/> is not valid JSON.</exception>
    /// <exception cref="InvalidOperationException">The root, or a member on the path before the last, is not an object.</exception>
    public static string SetValue(string json, IReadOnlyList<string> propertyPath, JsonNode value)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(propertyPath);
        if (propertyPath.Count == 0)
        {
            throw new ArgumentException("The property path is empty.", nameof(propertyPath));
        }

        var newline = json.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        if (string.IsNullOrWhiteSpace(json))
        {
            return "{" + newline + "  " + Member(propertyPath, 0, value, "  ", "  ", newline) + newline + "}" + newline;
        }

        var utf8 = Encoding.UTF8.GetBytes(json);
        var root = Scan(utf8);
        var unit = IndentUnit(utf8, root);
        var node = root;
        for (var depth = 0; ; depth++)
        {
            var member = node.Members.LastOrDefault(m => string.Equals(m.Name, propertyPath[depth], StringComparison.Ordinal));
            if (member is null)
            {
                return Insert(utf8, node, propertyPath, depth, value, unit, newline);
            }

            if (depth == propertyPath.Count - 1)
            {
                return Replace(utf8, member, value, unit, newline);
            }

            node = member.Object
                ?? throw new InvalidOperationException($"{string.Join(".", propertyPath.Take(depth + 1))} is not an object, so {string.Join(".", propertyPath)} cannot be set.");
        }
    }

    private static string Replace(byte[] utf8, MemberSpan member, JsonNode value, string unit, string newline)
    {
        var indent = LineIndent(utf8, member.NameStart);
        var wasInline = utf8.AsSpan(member.ValueStart, member.ValueEnd - member.ValueStart).IndexOf((byte)'\n') < 0;
        var inline = Inline(value);
        var text = wasInline && inline.Length <= InlineLimit || indent is null ? inline : Indented(value, indent, unit, newline);
        return Splice(utf8, member.ValueStart, member.ValueEnd, text);
    }

    private static string Insert(byte[] utf8, ObjectSpan node, IReadOnlyList<string> path, int depth, JsonNode value, string unit, string newline)
    {
        if (node.Members.Count == 0)
        {
            var outer = LineIndent(utf8, node.Open) ?? "";
            var between = utf8.AsSpan(node.Open + 1, node.Close - node.Open - 1);
            var memberIndent = outer + unit;
            var member = Member(path, depth, value, memberIndent, unit, newline);
            return between.Trim(" \t\r\n"u8).Length == 0
                ? Splice(utf8, node.Open + 1, node.Close, newline + memberIndent + member + newline + outer)
                : Splice(utf8, node.Open + 1, node.Open + 1, newline + memberIndent + member);
        }

        var last = node.Members[^1];
        var lastIndent = LineIndent(utf8, last.NameStart);
        var after = SkipBlanksAndComments(utf8, last.ValueEnd, stopAtNewline: false);
        var hasComma = after < utf8.Length && utf8[after] == (byte)',';
        var commaEnd = hasComma ? after + 1 : last.ValueEnd;
        if (lastIndent is null)
        {
            // Members on one line: the new one joins them.
            var inlineMember = Member(path, depth, value, null, unit, newline);
            return hasComma
                ? Splice(utf8, commaEnd, commaEnd, " " + inlineMember + ",")
                : Splice(utf8, last.ValueEnd, last.ValueEnd, ", " + inlineMember);
        }

        var text = newline + lastIndent + Member(path, depth, value, lastIndent, unit, newline);
        // After the rest of the last member's line (a trailing comment stays on it), before the line break.
        var lineEnd = SkipBlanksAndComments(utf8, commaEnd, stopAtNewline: true);
        var atLineBreak = lineEnd < utf8.Length && utf8[lineEnd] is (byte)'\n' or (byte)'\r';
        var insertAt = atLineBreak ? lineEnd : commaEnd;
        var withMember = Encoding.UTF8.GetBytes(Splice(utf8, insertAt, insertAt, text));
        return hasComma ? Encoding.UTF8.GetString(withMember) : Splice(withMember, last.ValueEnd, last.ValueEnd, ",");
    }

    // "name": value, wrapping the remaining path segments in objects.
    private static string Member(IReadOnlyList<string> path, int depth, JsonNode value, string? indent, string unit, string newline)
    {
        JsonNode wrapped = value.DeepClone();
        for (var i = path.Count - 1; i > depth; i--)
        {
            wrapped = new JsonObject { [path[i]] = wrapped };
        }

        var name = JsonSerializer.Serialize(path[depth], Options(unit));
        var inline = Inline(wrapped);
        return name + ": " + (indent is null || inline.Length <= InlineLimit ? inline : Indented(wrapped, indent, unit, newline));
    }

    private static string Inline(JsonNode? node) => node switch
    {
        JsonArray { Count: 0 } => "[]",
        JsonArray array => "[" + string.Join(", ", array.Select(Inline)) + "]",
        JsonObject { Count: 0 } => "{}",
        JsonObject obj => "{ " + string.Join(", ", obj.Select(p => JsonSerializer.Serialize(p.Key, Options("  ")) + ": " + Inline(p.Value))) + " }",
        null => "null",
        _ => node.ToJsonString(Options("  ")),
    };

    private static string Indented(JsonNode node, string indent, string unit, string newline)
    {
        var text = node.ToJsonString(Options(unit, indented: true));
        return text.ReplaceLineEndings(newline + indent);
    }

    private static JsonSerializerOptions Options(string unit, bool indented = false) => new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = indented,
        IndentCharacter = unit.Length > 0 && unit[0] == '\t' ? '\t' : ' ',
        IndentSize = Math.Max(1, unit.Length),
    };

    private static string Splice(byte[] utf8, int start, int end, string insert) =>
        Encoding.UTF8.GetString(utf8, 0, start) + insert + Encoding.UTF8.GetString(utf8, end, utf8.Length - end);

    // The whitespace before offset on its line, or null when something else precedes it there.
    private static string? LineIndent(byte[] utf8, int offset)
    {
        var start = offset;
        while (start > 0 && utf8[start - 1] is (byte)' ' or (byte)'\t')
        {
            start--;
        }

        return start == 0 || utf8[start - 1] == (byte)'\n' ? Encoding.UTF8.GetString(utf8, start, offset - start) : null;
    }

    // The indentation of the root's first member on its own line (one level), else two spaces.
    private static string IndentUnit(byte[] utf8, ObjectSpan root)
    {
        foreach (var member in root.Members)
        {
            if (LineIndent(utf8, member.NameStart) is { Length: > 0 } indent)
            {
                return indent;
            }
        }

        return "  ";
    }

    // Index of the first byte at or after offset that is neither blank nor inside a comment; with stopAtNewline, a line
    // break also stops (so the index is the end of the line when only blanks and comments follow).
    private static int SkipBlanksAndComments(byte[] utf8, int offset, bool stopAtNewline)
    {
        var i = offset;
        while (i < utf8.Length)
        {
            var c = utf8[i];
            if (c is (byte)' ' or (byte)'\t' || !stopAtNewline && c is (byte)'\n' or (byte)'\r')
            {
                i++;
            }
            else if (c == (byte)'/' && i + 1 < utf8.Length && utf8[i + 1] == (byte)'/')
            {
                while (i < utf8.Length && utf8[i] is not ((byte)'\n' or (byte)'\r'))
                {
                    i++;
                }
            }
            else if (c == (byte)'/' && i + 1 < utf8.Length && utf8[i + 1] == (byte)'*')
            {
                var close = utf8.AsSpan(i + 2).IndexOf("*/"u8);
                i = close < 0 ? utf8.Length : i + 2 + close + 2;
            }
            else
            {
                break;
            }
        }

        return i;
    }

    private static ObjectSpan Scan(byte[] utf8)
    {
        // Fails first with the parser's own message (line and position) when the text is not JSON.
        using (JsonDocument.Parse(utf8, s_documentOptions))
        {
        }

        var reader = new Utf8JsonReader(utf8, s_readerOptions);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidOperationException("The configuration is not a JSON object.");
        }

        return ReadObject(ref reader);
    }

    private static ObjectSpan ReadObject(ref Utf8JsonReader reader)
    {
        var open = (int)reader.TokenStartIndex;
        var members = new List<MemberSpan>();
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return new ObjectSpan(open, (int)reader.TokenStartIndex, members);
            }

            var name = reader.GetString()!;
            var nameStart = (int)reader.TokenStartIndex;
            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            ObjectSpan? child = null;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                child = ReadObject(ref reader);
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                reader.Skip();
            }

            members.Add(new MemberSpan(name, nameStart, valueStart, (int)reader.BytesConsumed, child));
        }

        throw new JsonException("Unterminated object.");
    }

    private static string FinalTarget(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetFullPath(target.FullName) : path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    private static FileStream AcquireLock(string lockPath)
    {
        var deadline = DateTime.UtcNow + s_lockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another writer holds it: its edit takes milliseconds.
                Thread.Sleep(50);
            }
        }
    }

    private static void WriteAtomically(string target, byte[] content)
    {
        var folder = Path.GetDirectoryName(target)!;
        var temp = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows() && File.Exists(target))
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
            }

            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private sealed record ObjectSpan(int Open, int Close, List<MemberSpan> Members);

    private sealed record MemberSpan(string Name, int NameStart, int ValueStart, int ValueEnd, ObjectSpan? Object);
}
