namespace Engram.Core.Chunking;

/// <summary>Turns a raw doc comment (<c>///</c> lines or a <c>/** */</c> block) into its text.</summary>
internal static class DocComments
{
    /// <summary>
    /// Strips the comment markers, a leading <c>*</c> on each line of a block comment and the indentation
    /// common to all lines (relative indentation such as that of <c>&lt;code&gt;</c> samples is kept),
    /// trims trailing white space and empty first and last lines, and joins the lines with <c>\n</c>.
    /// Returns null when no text is left.
    /// </summary>
    public static string? Clean(ReadOnlySpan<char> raw)
    {
        raw = raw.Trim();
        bool block = raw.StartsWith("/**", StringComparison.Ordinal);
        if (block)
        {
            raw = raw[3..];
            if (raw.EndsWith("*/", StringComparison.Ordinal))
            {
                raw = raw[..^2];
            }
        }

        var lines = new List<string>();
        bool firstLine = true;
        foreach (ReadOnlySpan<char> rawLine in raw.EnumerateLines())
        {
            ReadOnlySpan<char> line = rawLine;
            if (block)
            {
                if (!firstLine)
                {
                    line = line.TrimStart();
                    if (line.StartsWith('*'))
                    {
                        line = line[1..];
                    }
                }
            }
            else
            {
                line = line.TrimStart();
                if (line.StartsWith("///", StringComparison.Ordinal))
                {
                    line = line[3..];
                }
            }

            lines.Add(line.TrimEnd().ToString());
            firstLine = false;
        }

        int indent = int.MaxValue;
        foreach (string line in lines)
        {
            if (line.Length > 0)
            {
                indent = Math.Min(indent, line.Length - line.AsSpan().TrimStart().Length);
            }
        }

        if (indent == int.MaxValue)
        {
            return null;
        }

        int first = lines.FindIndex(l => l.Length > 0);
        int last = lines.FindLastIndex(l => l.Length > 0);
        var builder = new System.Text.StringBuilder();
        for (int i = first; i <= last; i++)
        {
            if (i > first)
            {
                builder.Append('\n');
            }

            if (lines[i].Length > 0)
            {
                builder.Append(lines[i], indent, lines[i].Length - indent);
            }
        }

        return builder.ToString();
    }
}
