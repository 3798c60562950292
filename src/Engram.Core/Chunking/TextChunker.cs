namespace Engram.Core.Chunking;

/// <summary>
/// Chunks text that Roslyn does not parse: Markdown by headings, everything else by blank lines,
/// indentation and bracket nesting, whatever the language.
/// </summary>
/// <remarks>
/// <para>
/// A top-level block starts at a line at the file's least indentation and outside any bracket, and takes
/// every following line that is more indented, inside brackets, a closing bracket or a continuation keyword
/// (<c>else</c>, <c>except</c>, <c>end</c>, ...), or (before the block has any such body) another top-level
/// line with no blank line between, so decorators, comments and runs of imports or keys stay with what
/// follows. The next block starts after a blank line, after a body, or at a line that heads something of
/// its own: a definition (<c>def</c>, <c>function</c>, <c>class</c>, ...), a TOML table, or a key whose next
/// line is its body. A file that is one bracketed JSON value is chunked by the keys one level in.
/// </para>
/// <para>
/// Neighbouring blocks are then merged while the result stays within half of
/// <see cref="ChunkerOptions.MaxChunkLines"/> and <see cref="ChunkerOptions.MaxChunkChars"/>, except that a
/// definition always starts a chunk of its own so each keeps its name (and, for JavaScript and TypeScript, its
/// JSDoc); a merged chunk keeps the first block's name. Blocks over the limits are split by
/// <see cref="ChunkSplitter"/>. Blocks never start or end on a blank line (a piece of a split one may end on one).
/// </para>
/// <para>
/// Everything is a forward scan over the lines (strings and comments are tracked one character at a time),
/// so chunking is linear in the size of the file.
/// </para>
/// </remarks>
internal static class TextChunker
{
    /// <summary>Chunks a file by its blocks; the result is ordered by start line.</summary>
    public static Chunk[] ChunkCode(string path, string text, ChunkerOptions options)
    {
        var lines = new SourceLines(text);
        TextSyntax syntax = TextSyntax.ForPath(path);
        LineInfo[] info = Scan(lines, syntax);
        List<Block> blocks = FindBlocks(lines, syntax, info);

        int targetLines = Math.Max(1, options.MaxChunkLines / 2);
        int targetChars = Math.Max(1, options.MaxChunkChars / 2);
        var output = new List<Chunk>();
        Block? current = null;
        foreach (Block block in blocks)
        {
            if (current is { } c
                && !block.IsDefinition
                && block.End - c.Start + 1 <= targetLines
                && lines.End(block.End) - lines.Start(c.Start) <= targetChars)
            {
                current = c with { End = block.End };
                continue;
            }

            if (current is { } done)
            {
                Emit(output, path, lines, syntax, info, done, options);
            }

            current = block;
        }

        if (current is { } last)
        {
            Emit(output, path, lines, syntax, info, last, options);
        }

        return [.. output];
    }

    /// <summary>Chunks Markdown into one section per ATX heading (<c>#</c> to <c>######</c>) outside fenced code.</summary>
    /// <remarks>Text before the first heading is a section with a null symbol; trailing blank lines are left out of each section.</remarks>
    public static Chunk[] ChunkMarkdown(string path, string text, ChunkerOptions options)
    {
        var lines = new SourceLines(text);
        var output = new List<Chunk>();
        int sectionStart = 0;
        string? heading = null;
        char fence = '\0';
        int fenceLength = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            ReadOnlySpan<char> line = lines.Span(i);
            int indent = 0;
            while (indent < line.Length && indent < 4 && line[indent] == ' ')
            {
                indent++;
            }

            if (indent > 3)
            {
                continue;
            }

            ReadOnlySpan<char> content = line[indent..];
            int run = RunLength(content);
            if (fence != '\0')
            {
                if (run >= fenceLength && content[0] == fence && content[run..].IsWhiteSpace())
                {
                    fence = '\0';
                }

                continue;
            }

            if (run >= 3 && content[0] is '`' or '~')
            {
                fence = content[0];
                fenceLength = run;
                continue;
            }

            if (run is >= 1 and <= 6 && content[0] == '#' && (run == content.Length || content[run] is ' ' or '\t'))
            {
                AddSection(output, path, lines, sectionStart, i - 1, heading, options);
                sectionStart = i;
                heading = HeadingText(content[run..]);
            }
        }

        AddSection(output, path, lines, sectionStart, lines.Count - 1, heading, options);
        return [.. output];
    }

    private static void AddSection(List<Chunk> output, string path, SourceLines lines, int start, int end, string? heading, ChunkerOptions options)
    {
        while (end >= start && lines.IsBlank(end))
        {
            end--;
        }

        int first = start;
        while (first <= end && lines.IsBlank(first))
        {
            first++;
        }

        if (first > end)
        {
            return;
        }

        var draft = new ChunkDraft(ChunkKinds.Section, heading, null, null, first, lines.Start(first), lines.End(end));
        ChunkSplitter.Add(output, path, lines, draft, options);
    }

    /// <summary>The heading's text without the optional closing run of <c>#</c>; null when empty.</summary>
    private static string? HeadingText(ReadOnlySpan<char> rest)
    {
        rest = rest.Trim();
        int hashes = rest.Length;
        while (hashes > 0 && rest[hashes - 1] == '#')
        {
            hashes--;
        }

        if (hashes == 0)
        {
            rest = default;
        }
        else if (hashes < rest.Length && rest[hashes - 1] is ' ' or '\t')
        {
            rest = rest[..hashes].TrimEnd();
        }

        return rest.IsEmpty ? null : rest.ToString();
    }

    private static int RunLength(ReadOnlySpan<char> s)
    {
        int run = 0;
        while (run < s.Length && s[run] == s[0])
        {
            run++;
        }

        return run;
    }

    private static void Emit(List<Chunk> output, string path, SourceLines lines, TextSyntax syntax, LineInfo[] info, Block block, ChunkerOptions options)
    {
        string? doc = null;
        int codeLine = block.Start;
        if (syntax.JsDoc && JsDocEnd(lines, info, block) is int docEnd)
        {
            int next = docEnd + 1;
            while (next <= block.End && lines.IsBlank(next))
            {
                next++;
            }

            if (next <= block.End && TextSymbols.FromLine(lines.Span(next)).IsDefinition)
            {
                doc = DocComments.Clean(lines.Text.AsSpan(lines.Start(block.Start), lines.End(docEnd) - lines.Start(block.Start)));
                codeLine = next;
            }
        }

        var draft = new ChunkDraft(ChunkKinds.Block, block.Symbol, null, doc, block.Start, lines.Start(codeLine), lines.End(block.End));
        ChunkSplitter.Add(output, path, lines, draft, options);
    }

    /// <summary>The last line of a <c>/** */</c> comment that opens the block and ends its line, or null.</summary>
    private static int? JsDocEnd(SourceLines lines, LineInfo[] info, Block block)
    {
        ReadOnlySpan<char> first = lines.Span(block.Start).Trim();
        if (!first.StartsWith("/**", StringComparison.Ordinal) || first.StartsWith("/**/", StringComparison.Ordinal))
        {
            return null;
        }

        for (int i = block.Start; i <= block.End; i++)
        {
            ReadOnlySpan<char> line = lines.Span(i).TrimEnd();
            int from = i == block.Start ? line.IndexOf("/**", StringComparison.Ordinal) + 3 : 0;
            int close = line[from..].IndexOf("*/", StringComparison.Ordinal);
            if (close >= 0)
            {
                return from + close + 2 == line.Length ? i : null;
            }

            if (i > block.Start && !info[i].StartsInComment)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>Per-line facts from one pass over the text: indentation, bracket depth, comments, strings.</summary>
    private static LineInfo[] Scan(SourceLines lines, TextSyntax syntax)
    {
        var info = new LineInfo[lines.Count];
        int depth = 0;
        bool inComment = false;
        char tripleQuote = '\0';
        bool previousBlank = true;
        for (int i = 0; i < lines.Count; i++)
        {
            ReadOnlySpan<char> line = lines.Span(i);
            ReadOnlySpan<char> trimmed = line.TrimStart();
            if (trimmed.IsEmpty && !inComment && tripleQuote == '\0')
            {
                info[i] = new LineInfo(Blank: true, 0, depth, false, false, false);
                previousBlank = true;
                continue;
            }

            int indent = lines.Indent(i);
            bool startsInComment = inComment || tripleQuote != '\0';
            bool isComment = inComment
                || (syntax.BlockComments && trimmed.StartsWith("/*", StringComparison.Ordinal))
                || StartsWithLineComment(trimmed, syntax);
            bool closing = !startsInComment
                && (trimmed[0] is '}' or ')' or ']' || (syntax.ContinuationKeywords && StartsWithContinuationKeyword(trimmed)));

            // A definition at column 0 after a blank line cannot be inside brackets in sane code: the brackets
            // were left open by a construct we misread, or are a C++ namespace. Start afresh.
            if (previousBlank && depth > 0 && indent == 0 && !startsInComment && syntax.Symbols
                && TextSymbols.FromLine(trimmed).IsDefinition)
            {
                depth = 0;
            }

            info[i] = new LineInfo(Blank: false, indent, depth, isComment, startsInComment, closing);
            previousBlank = false;
            ScanBrackets(line, syntax, ref depth, ref inComment, ref tripleQuote);
        }

        return info;
    }

    /// <summary>
    /// <c>else:</c>, <c>except ValueError:</c>, <c>end</c>, <c>fi</c> and the like: words that close or continue
    /// a compound statement at its own indentation (Python, Ruby, shell, Lua). A word used as a key
    /// (<c>end: 5</c>) does not count.
    /// </summary>
    private static bool StartsWithContinuationKeyword(ReadOnlySpan<char> trimmed)
    {
        int length = 0;
        while (length < trimmed.Length && char.IsAsciiLetterLower(trimmed[length]))
        {
            length++;
        }

        ReadOnlySpan<char> rest = trimmed[length..];
        if (!rest.IsEmpty && rest[0] is not (' ' or '\t' or '{' or ';' or '(' or ':'))
        {
            return false;
        }

        // `end = 5`, `done.append(x)`, `fi[0] = 1` use the word as a name.
        ReadOnlySpan<char> next = rest.TrimStart();
        if (!next.IsEmpty && (next[0] is '.' or '[' or ',' || (next[0] == '=' && !next.StartsWith("==", StringComparison.Ordinal))))
        {
            return false;
        }

        return trimmed[..length] is "else" or "elif" or "elsif" or "except" or "finally" or "end" or "fi"
            or "done" or "esac" or "rescue" or "ensure" or "catch" or "then" or "do";
    }

    private static bool StartsWithLineComment(ReadOnlySpan<char> trimmed, TextSyntax syntax)
    {
        foreach (string marker in syntax.LineComments)
        {
            if (trimmed.StartsWith(marker, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static void ScanBrackets(ReadOnlySpan<char> line, TextSyntax syntax, ref int depth, ref bool inComment, ref char tripleQuote)
    {
        char quote = '\0';
        for (int j = 0; j < line.Length; j++)
        {
            char c = line[j];
            if (inComment)
            {
                if (c == '*' && j + 1 < line.Length && line[j + 1] == '/')
                {
                    inComment = false;
                    j++;
                }

                continue;
            }

            if (tripleQuote != '\0')
            {
                if (c == '\\')
                {
                    j++;
                }
                else if (c == tripleQuote && IsTriple(line, j, c))
                {
                    tripleQuote = '\0';
                    j += 2;
                }

                continue;
            }

            if (quote != '\0')
            {
                if (c == '\\')
                {
                    j++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }

                continue;
            }

            if (syntax.BlockComments && c == '/' && j + 1 < line.Length && line[j + 1] == '*')
            {
                inComment = true;
                j++;
                continue;
            }

            if (IsLineCommentAt(line, j, syntax))
            {
                return;
            }

            if (syntax.TripleQuotes && c is '"' or '\'' && IsTriple(line, j, c))
            {
                tripleQuote = c;
                j += 2;
            }
            else if (syntax.CharLiterals && c == '\'')
            {
                // 'x' and '\n' are characters; 'a alone is a lifetime.
                if (j + 2 < line.Length && line[j + 1] != '\\' && line[j + 2] == '\'')
                {
                    j += 2;
                }
                else if (j + 1 < line.Length && line[j + 1] == '\\')
                {
                    int close = line[(j + 2)..].IndexOf('\'');
                    j = close < 0 ? line.Length : j + 2 + close;
                }
            }
            else if (syntax.Quotes.Contains(c))
            {
                quote = c;
            }
            else if (syntax.Brackets && c is '{' or '[' or '(')
            {
                depth++;
            }
            else if (syntax.Brackets && c is '}' or ']' or ')' && depth > 0)
            {
                depth--;
            }
        }
    }

    private static bool IsTriple(ReadOnlySpan<char> line, int j, char c) =>
        j + 2 < line.Length && line[j + 1] == c && line[j + 2] == c;

    private static bool IsLineCommentAt(ReadOnlySpan<char> line, int j, TextSyntax syntax)
    {
        foreach (string marker in syntax.LineComments)
        {
            if (line[j..].StartsWith(marker, StringComparison.Ordinal)
                && (marker != "#" || j == 0 || char.IsWhiteSpace(line[j - 1])))
            {
                return true;
            }
        }

        return false;
    }

    private static List<Block> FindBlocks(SourceLines lines, TextSyntax syntax, LineInfo[] info)
    {
        int level = 0;
        if (syntax.Json)
        {
            int firstLine = Array.FindIndex(info, l => !l.Blank);
            if (firstLine >= 0 && lines.Span(firstLine).TrimStart() is ['{' or '[', ..])
            {
                level = 1;
            }
        }

        int baseIndent = int.MaxValue;
        foreach (LineInfo line in info)
        {
            if (!line.Blank && !line.StartsInComment && !line.Closing && line.Depth == level)
            {
                baseIndent = Math.Min(baseIndent, line.Indent);
            }
        }

        var blocks = new List<(int Start, int End)>();
        int start = -1;
        int end = -1;
        bool hasBody = false;
        bool blankBefore = false;
        for (int i = 0; i < info.Length; i++)
        {
            LineInfo line = info[i];
            if (line.Blank)
            {
                blankBefore = true;
                continue;
            }

            // A lone opening brace (Allman style) belongs to the header above it.
            bool top = !line.StartsInComment && !line.Closing && line.Depth == level && line.Indent <= baseIndent
                && !lines.Span(i).Trim().TrimEnd("{[(").IsEmpty;
            if (start < 0)
            {
                start = i;
            }
            else if (top && (blankBefore || hasBody || (StartsUnit(lines, syntax, info, level, baseIndent, i) && !IsLeadIn(lines, info, end))))
            {
                blocks.Add((start, end));
                start = i;
                hasBody = false;
            }
            else if (!line.IsComment && (line.Depth > level || line.Indent > baseIndent || line.Closing))
            {
                hasBody = true;
            }

            end = i;
            blankBefore = false;
        }

        if (start >= 0)
        {
            blocks.Add((start, end));
        }

        var result = new List<Block>(blocks.Count);
        foreach ((int blockStart, int blockEnd) in blocks)
        {
            (string? symbol, bool isDefinition) = syntax.Symbols ? Name(lines, info, blockStart, blockEnd) : (null, false);
            result.Add(new Block(blockStart, blockEnd, symbol, isDefinition));
        }

        return result;
    }

    /// <summary>
    /// Whether a top-level line heads something of its own even without a blank line above: a definition, a
    /// TOML or INI table, or a line whose next line is its indented or bracketed body (a YAML or JSON key).
    /// </summary>
    private static bool StartsUnit(SourceLines lines, TextSyntax syntax, LineInfo[] info, int level, int baseIndent, int line)
    {
        int next = line + 1;
        while (next < info.Length && info[next].Blank)
        {
            next++;
        }

        if (next < info.Length && !info[next].IsComment && !info[next].StartsInComment && !info[next].Closing
            && (info[next].Depth > level || info[next].Indent > baseIndent))
        {
            return true;
        }

        return syntax.Symbols && (TextSymbols.IsTableHeader(lines.Span(line)) || TextSymbols.FromLine(lines.Span(line)).IsDefinition);
    }

    /// <summary>Whether a line belongs with the one below it: a comment, a decorator or attribute.</summary>
    private static bool IsLeadIn(SourceLines lines, LineInfo[] info, int line)
    {
        ReadOnlySpan<char> text = lines.Span(line).Trim();
        return info[line].IsComment || info[line].StartsInComment || text.StartsWith('@') || text.StartsWith("#[", StringComparison.Ordinal)
            || text.EndsWith("*/", StringComparison.Ordinal);
    }

    /// <summary>The name from the block's first significant line: comments, decorators and lone brackets are skipped.</summary>
    private static (string? Symbol, bool IsDefinition) Name(SourceLines lines, LineInfo[] info, int start, int end)
    {
        for (int i = start; i <= end && i < start + 12; i++)
        {
            if (info[i].Blank || info[i].IsComment || info[i].StartsInComment)
            {
                continue;
            }

            ReadOnlySpan<char> text = lines.Span(i).Trim();
            if (text.StartsWith('@') || text.StartsWith("#[", StringComparison.Ordinal) || text.TrimEnd("{[(,").IsEmpty)
            {
                continue;
            }

            return TextSymbols.FromLine(text);
        }

        return (null, false);
    }

    private readonly record struct LineInfo(bool Blank, int Indent, int Depth, bool IsComment, bool StartsInComment, bool Closing);

    private readonly record struct Block(int Start, int End, string? Symbol, bool IsDefinition);
}
