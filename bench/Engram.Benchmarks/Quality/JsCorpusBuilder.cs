using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// Builds a JavaScript corpus from an npm package: copies the source files with their doc comments removed and
/// pairs the first sentences of each documented top-level function with that function's line range in the copy.
/// </summary>
/// <remarks>
/// Ramda documents with JSDoc (<c>/** */</c>); underscore's ES modules document with a run of <c>//</c> lines
/// right above each function instead, which is treated the same way. Every JSDoc block is removed from the copy;
/// a <c>//</c> run is removed only where it is the doc of a top-level statement, so comments inside functions
/// stay.
/// </remarks>
internal static partial class JsCorpusBuilder
{
    private const int MaxSentences = 2;

    /// <summary>
    /// Writes the corpus into <paramref name="corpusDirectory"/> (emptied first), keeping the files' paths relative
    /// to <paramref name="packageFolder"/> (e.g. <c>src/adjust.js</c>), and returns it with its queries.
    /// </summary>
    public static BenchCorpus Build(CorpusSpec spec, string packageFolder, string corpusDirectory, CancellationToken cancellationToken)
    {
        if (Directory.Exists(corpusDirectory))
        {
            Directory.Delete(corpusDirectory, recursive: true);
        }

        Directory.CreateDirectory(corpusDirectory);
        var files = new List<string>();
        var documented = new List<DocumentedDeclaration>();
        int docBlocks = 0, notFunctions = 0, tooShort = 0;
        foreach (var folder in spec.SourceFolders)
        {
            foreach (var source in Directory.EnumerateFiles(Path.Combine(packageFolder, folder), "*.js", SearchOption.AllDirectories)
                         .Order(StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var relative = Path.GetRelativePath(packageFolder, source).Replace('\\', '/');
                var original = File.ReadAllText(source).ReplaceLineEndings("\n");
                var file = Process(relative, original);
                var destination = Path.Combine(corpusDirectory, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.WriteAllText(destination, file.Stripped, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                files.Add(relative);
                docBlocks += file.DocBlocks;
                notFunctions += file.NotFunctions;
                foreach (var declaration in file.Declarations)
                {
                    if (XmlSummaryRenderer.WordCount(declaration.Text) < QuerySetBuilder.MinimumWords)
                    {
                        tooShort++;
                    }
                    else
                    {
                        documented.Add(declaration);
                    }
                }
            }
        }

        var notes = new Dictionary<string, string>
        {
            ["sourceFolders"] = string.Join(", ", spec.SourceFolders.Select(f => f + "/**/*.js")),
            ["files"] = files.Count.ToString(CultureInfo.InvariantCulture),
            ["docBlocksOnTopLevelStatements"] = docBlocks.ToString(CultureInfo.InvariantCulture),
            ["skippedNotAFunction"] = notFunctions.ToString(CultureInfo.InvariantCulture),
            ["skippedUnderSixWords"] = tooShort.ToString(CultureInfo.InvariantCulture),
        };
        var queries = QuerySetBuilder.Build(spec.Name, documented, notes);
        return new BenchCorpus(spec.Name, "javascript", $"{spec.PackageId} {spec.Version}", corpusDirectory, files, queries, notes);
    }

    /// <summary>
    /// Strips the doc comments of one file and returns the stripped text, the documented functions (targets in
    /// the stripped text) and counts of doc blocks seen and of doc blocks not on a function.
    /// </summary>
    public static (string Stripped, List<DocumentedDeclaration> Declarations, int DocBlocks, int NotFunctions) Process(string relativePath, string text)
    {
        var scan = JsScanner.Scan(text);
        var removals = new List<(int Start, int End)>();
        foreach (var comment in scan.Comments.Where(c => c.IsJsDoc))
        {
            removals.Add((comment.Start, comment.End));
        }

        var found = new List<(string Text, int Start, int End)>();
        int docBlocks = 0, notFunctions = 0;
        var previousEnd = 0;
        var topLevel = scan.Comments.Where(c => c.Depth == 0).ToList();
        foreach (var statement in scan.Statements)
        {
            var doc = DocFor(text, topLevel, previousEnd, statement.Start);
            previousEnd = statement.End;
            if (doc is null)
            {
                continue;
            }

            docBlocks++;
            var (docStart, docEnd, raw) = doc.Value;
            if (!raw.StartsWith("/**", StringComparison.Ordinal))
            {
                removals.Add((docStart, docEnd));
            }

            if (!IsFunction(text[statement.Start..statement.End]))
            {
                notFunctions++;
                continue;
            }

            found.Add((QueryText(raw), statement.Start, statement.End));
        }

        var (stripped, map) = Remove(text, removals);
        var lineStarts = LineStarts(stripped);
        var declarations = found
            .Select(f => new DocumentedDeclaration(
                f.Text,
                new TargetSpan(relativePath, LineOf(lineStarts, map(f.Start)), LineOf(lineStarts, map(f.End - 1))),
                "function"))
            .ToList();
        return (stripped, declarations, docBlocks, notFunctions);
    }

    /// <summary>
    /// Renders a doc comment as a query: its description up to the first blank line or <c>@tag</c>, cut to the
    /// first <see cref="MaxSentences"/> sentences, with <c>{@link X}</c> as <c>X</c> and Markdown emphasis and code
    /// marks removed.
    /// </summary>
    public static string QueryText(string comment)
    {
        var lines = new List<string>();
        foreach (var rawLine in comment.Split('\n'))
        {
            var line = rawLine.Trim();
            line = line.StartsWith("/**", StringComparison.Ordinal) ? line[3..] : line;
            line = line.EndsWith("*/", StringComparison.Ordinal) ? line[..^2] : line;
            line = line.StartsWith("//", StringComparison.Ordinal) ? line[2..] : line.TrimStart('*');
            line = line.Trim();
            if (line.StartsWith('@'))
            {
                break;
            }

            if (line.Length == 0)
            {
                if (lines.Count > 0)
                {
                    break;
                }

                continue;
            }

            lines.Add(line);
        }

        var paragraph = string.Join(' ', lines);
        paragraph = Link().Replace(paragraph, "$1");
        paragraph = paragraph.Replace("**", "", StringComparison.Ordinal).Replace("`", "", StringComparison.Ordinal);
        paragraph = XmlSummaryRenderer.CollapseWhitespace(paragraph);
        var sentences = 0;
        foreach (Match boundary in SentenceEnd().Matches(paragraph))
        {
            if (++sentences == MaxSentences)
            {
                return paragraph[..(boundary.Index + 1)];
            }
        }

        return paragraph;
    }

    private static (int Start, int End, string Text)? DocFor(string text, List<JsComment> comments, int gapStart, int statementStart)
    {
        // The doc is the last comment before the statement with nothing but one line break between them; for //
        // comments it extends upwards over the run of consecutive comment lines.
        var index = comments.FindLastIndex(c => c.Start >= gapStart && c.End <= statementStart);
        if (index < 0 || !OnlyWhitespace(text, comments[index].End, statementStart, maxNewlines: 1) ||
            !StartsLine(text, comments[index].Start))
        {
            return null;
        }

        var last = comments[index];
        if (last.IsBlock)
        {
            return last.IsJsDoc ? (last.Start, last.End, text[last.Start..last.End]) : null;
        }

        var first = index;
        while (first > 0 && !comments[first - 1].IsBlock && comments[first - 1].Start >= gapStart &&
               StartsLine(text, comments[first - 1].Start) &&
               OnlyWhitespace(text, comments[first - 1].End, comments[first].Start, maxNewlines: 1))
        {
            first--;
        }

        return (comments[first].Start, last.End, text[comments[first].Start..last.End]);
    }

    private static bool StartsLine(string text, int offset)
    {
        for (var i = offset - 1; i >= 0 && text[i] != '\n'; i--)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool OnlyWhitespace(string text, int start, int end, int maxNewlines)
    {
        var newlines = 0;
        for (var i = start; i < end; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                return false;
            }

            if (text[i] == '\n' && ++newlines > maxNewlines)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFunction(string statement) =>
        !statement.StartsWith("import", StringComparison.Ordinal) &&
        (statement.Contains("function", StringComparison.Ordinal) || statement.Contains("=>", StringComparison.Ordinal) ||
         FactoryCall().IsMatch(statement));

    /// <summary>
    /// Removes the given ranges; a range that is alone on its lines takes those whole lines with it. Returns the
    /// new text and a map from an offset outside every range to its offset in the new text.
    /// </summary>
    private static (string Text, Func<int, int> Map) Remove(string text, List<(int Start, int End)> ranges)
    {
        var widened = new List<(int Start, int End)>();
        foreach (var (start, end) in ranges.Distinct().OrderBy(r => r.Start))
        {
            var lineStart = text.LastIndexOf('\n', Math.Max(0, start - 1)) + 1;
            if (start == 0)
            {
                lineStart = 0;
            }

            var lineEnd = text.IndexOf('\n', end);
            lineEnd = lineEnd < 0 ? text.Length : lineEnd;
            var aloneBefore = string.IsNullOrWhiteSpace(text[lineStart..start]);
            var aloneAfter = string.IsNullOrWhiteSpace(text[end..lineEnd]);
            var range = aloneBefore && aloneAfter ? (lineStart, Math.Min(text.Length, lineEnd + 1)) : (start, end);
            if (widened.Count > 0 && range.Item1 < widened[^1].End)
            {
                widened[^1] = (widened[^1].Start, Math.Max(widened[^1].End, range.Item2));
            }
            else
            {
                widened.Add(range);
            }
        }

        var result = new StringBuilder(text.Length);
        var position = 0;
        foreach (var (start, end) in widened)
        {
            result.Append(text, position, start - position);
            position = end;
        }

        result.Append(text, position, text.Length - position);
        var starts = widened.Select(r => r.Start).ToArray();
        var removedBefore = new int[widened.Count + 1];
        for (var k = 0; k < widened.Count; k++)
        {
            removedBefore[k + 1] = removedBefore[k] + (widened[k].End - widened[k].Start);
        }

        int Map(int offset)
        {
            // Number of removed ranges that start at or before the offset; offsets are never inside a range.
            var index = Array.BinarySearch(starts, offset);
            var count = index >= 0 ? index + 1 : ~index;
            return offset - removedBefore[count];
        }

        return (result.ToString(), Map);
    }

    private static List<int> LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private static int LineOf(List<int> lineStarts, int offset)
    {
        var index = lineStarts.BinarySearch(offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    [GeneratedRegex(@"\{@link\s+([^}\s]+)[^}]*\}")]
    private static partial Regex Link();

    // A full stop, question or exclamation mark that ends a sentence: followed by a space and an upper-case
    // letter or a quote, and not the dot of "e.g." / "i.e." / "etc.".
    [GeneratedRegex(@"(?<!\b(?:e\.g|i\.e|etc|vs|cf))[.!?](?=\s+[A-Z""'(\[]|$)")]
    private static partial Regex SentenceEnd();

    // export default createReduce(1); / var x = /*#__PURE__*/_curry2(...)
    [GeneratedRegex(@"^(export\s+default\s+|(export\s+)?(var|let|const)\s+[\w$]+\s*=\s*(/\*.*?\*/\s*)?)[\w$.]+\s*\(")]
    private static partial Regex FactoryCall();
}
