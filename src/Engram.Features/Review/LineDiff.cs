namespace Engram.Features.Review;

/// <summary>A line diff (Myers 1986, O((N + M) D)) that reports which lines of the new text are not in the old one.</summary>
/// <remarks>Lines are compared exactly (ordinal, line ends excluded). When the edit distance exceeds
/// <see cref="MaxEdits"/> the unmatched middle of the new text counts as changed, which bounds the cost.</remarks>
internal static class LineDiff
{
    /// <summary>The edit distance beyond which the search stops.</summary>
    public const int MaxEdits = 1000;

    /// <summary>Splits text into lines (<c>\n</c> or <c>\r\n</c>); a final line end does not start another line.</summary>
    public static string[] Lines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var lines = text.Split('\n');
        if (lines[^1].Length == 0)
        {
            Array.Resize(ref lines, lines.Length - 1);
        }

        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].EndsWith('\r'))
            {
                lines[i] = lines[i][..^1];
            }
        }

        return lines;
    }

    /// <summary>1-based inclusive ranges of <paramref name="newLines"/> that were inserted or changed relative to <paramref name="oldLines"/>.</summary>
    public static List<(int StartLine, int EndLine)> ChangedRanges(string[] oldLines, string[] newLines)
    {
        var changed = new bool[newLines.Length];
        var start = 0;
        while (start < oldLines.Length && start < newLines.Length && oldLines[start] == newLines[start])
        {
            start++;
        }

        int oldEnd = oldLines.Length, newEnd = newLines.Length;
        while (oldEnd > start && newEnd > start && oldLines[oldEnd - 1] == newLines[newEnd - 1])
        {
            oldEnd--;
            newEnd--;
        }

        MarkChanged(oldLines.AsSpan(start, oldEnd - start), newLines.AsSpan(start, newEnd - start), changed.AsSpan(start, newEnd - start));
        return Ranges(changed);
    }

    /// <summary>Consecutive true entries as 1-based inclusive ranges.</summary>
    public static List<(int StartLine, int EndLine)> Ranges(IReadOnlyList<bool> flags)
    {
        var ranges = new List<(int, int)>();
        for (var i = 0; i < flags.Count; i++)
        {
            if (!flags[i])
            {
                continue;
            }

            var j = i;
            while (j + 1 < flags.Count && flags[j + 1])
            {
                j++;
            }

            ranges.Add((i + 1, j + 1));
            i = j;
        }

        return ranges;
    }

    private static void MarkChanged(ReadOnlySpan<string> a, ReadOnlySpan<string> b, Span<bool> changed)
    {
        int n = a.Length, m = b.Length;
        if (m == 0)
        {
            return;
        }

        if (n == 0)
        {
            changed.Fill(true);
            return;
        }

        var max = Math.Min(n + m, MaxEdits);
        var offset = max + 1;
        var v = new int[2 * max + 3];
        var trace = new List<int[]>();
        var found = false;
        for (var d = 0; d <= max && !found; d++)
        {
            trace.Add((int[])v.Clone());
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[x] == b[y])
                {
                    x++;
                    y++;
                }

                v[offset + k] = x;
                if (x >= n && y >= m)
                {
                    found = true;
                    break;
                }
            }
        }

        if (!found)
        {
            changed.Fill(true);
            return;
        }

        // Walk the trace back from (n, m): every step down (an insertion) marks a new line.
        int cx = n, cy = m;
        for (var d = trace.Count - 1; d > 0; d--)
        {
            var previous = trace[d];
            var k = cx - cy;
            var down = k == -d || (k != d && previous[offset + k - 1] < previous[offset + k + 1]);
            var prevK = down ? k + 1 : k - 1;
            var prevX = previous[offset + prevK];
            var prevY = prevX - prevK;
            while (cx > prevX && cy > prevY)
            {
                cx--;
                cy--;
            }

            if (down)
            {
                changed[prevY] = true;
            }

            cx = prevX;
            cy = prevY;
        }
    }
}
