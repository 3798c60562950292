namespace Engram.Core.Chunking;

/// <summary>Turns a <see cref="ChunkDraft"/> into one chunk, or into consecutive pieces when it is over the limits.</summary>
/// <remarks>
/// Pieces cover the draft's lines in order, each line in one piece (but see over-long lines below), and keep
/// its kind, symbol and container; only the
/// first carries the doc comment, whose lines count against its line budget. A cut is made in the second
/// half of the largest window that fits, preferring (1) just after a blank line, (2) just before one, then
/// (3) before the least indented line that does not start with a closing bracket, so pieces tend to follow
/// inner blocks; ties go to the latest line. A single line over the character limit is cut by characters
/// (never inside a surrogate pair) into pieces that all report that line. Each window is scanned once, so
/// splitting is linear in the draft's length.
/// </remarks>
internal static class ChunkSplitter
{
    /// <summary>Appends the draft's chunk, or its pieces, to <paramref name="output"/>.</summary>
    public static void Add(List<Chunk> output, string path, SourceLines lines, ChunkDraft draft, ChunkerOptions options)
    {
        string text = lines.Text;
        int codeStart = draft.CodeStart;
        int codeEnd = Math.Max(draft.CodeEnd, codeStart);
        int codeStartLine = lines.IndexOf(codeStart);
        int endLine = codeEnd > codeStart ? lines.IndexOf(codeEnd - 1) : codeStartLine;
        int startLine = Math.Min(draft.StartLine, codeStartLine);
        int maxLines = Math.Max(1, options.MaxChunkLines);
        int maxChars = Math.Max(1, options.MaxChunkChars);

        if (endLine - startLine + 1 <= maxLines && codeEnd - codeStart <= maxChars)
        {
            output.Add(Make(path, draft, startLine, endLine, text[codeStart..codeEnd], draft.DocComment));
            return;
        }

        bool first = true;
        int cur = codeStartLine;
        while (cur <= endLine)
        {
            int pieceStartLine = first ? startLine : cur;
            int pieceCodeStart = first ? codeStart : lines.Start(cur);
            string? doc = first ? draft.DocComment : null;
            int budget = Math.Max(1, maxLines - (cur - pieceStartLine));

            if (PieceEnd(lines, cur, codeEnd, endLine) - pieceCodeStart > maxChars)
            {
                // One line alone is over the character limit (minified code, a data blob): cut it by characters.
                int lineEnd = PieceEnd(lines, cur, codeEnd, endLine);
                int at = pieceCodeStart;
                while (at < lineEnd)
                {
                    int to = Math.Min(lineEnd, at + maxChars);
                    if (to < lineEnd && char.IsLowSurrogate(text[to]) && to - 1 > at)
                    {
                        to--;
                    }

                    output.Add(Make(path, draft, pieceStartLine, cur, text[at..to], doc));
                    doc = null;
                    pieceStartLine = cur;
                    at = to;
                }

                first = false;
                cur++;
                continue;
            }

            // The largest window [cur, fit] within both budgets.
            int fit = cur;
            while (fit < endLine
                && fit + 1 - cur + 1 <= budget
                && PieceEnd(lines, fit + 1, codeEnd, endLine) - pieceCodeStart <= maxChars)
            {
                fit++;
            }

            int cut = fit == endLine ? endLine : ChooseCut(lines, cur, fit);
            output.Add(Make(path, draft, pieceStartLine, cut, text[pieceCodeStart..PieceEnd(lines, cut, codeEnd, endLine)], doc));
            first = false;
            cur = cut + 1;
        }
    }

    private static int PieceEnd(SourceLines lines, int line, int codeEnd, int endLine) =>
        line == endLine ? codeEnd : lines.End(line);

    /// <summary>Picks the line to end a piece on, in the second half of [<paramref name="from"/>, <paramref name="to"/>].</summary>
    private static int ChooseCut(SourceLines lines, int from, int to)
    {
        int best = to;
        int bestScore = int.MaxValue;
        for (int c = from + ((to - from) / 2); c <= to; c++)
        {
            int score;
            if (lines.IsBlank(c))
            {
                score = 0;
            }
            else if (lines.IsBlank(c + 1))
            {
                score = 1;
            }
            else
            {
                ReadOnlySpan<char> next = lines.Span(c + 1).TrimStart();
                bool closes = next.Length > 0 && next[0] is '}' or ')' or ']';
                score = closes ? 1_000_000 : 2 + lines.Indent(c + 1);
            }

            if (score <= bestScore)
            {
                bestScore = score;
                best = c;
            }
        }

        return best;
    }

    private static Chunk Make(string path, ChunkDraft draft, int startLine, int endLine, string code, string? doc) =>
        new(path, startLine + 1, endLine + 1, draft.Kind, draft.Symbol, draft.Container, doc, code);
}
