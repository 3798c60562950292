namespace Engram.Core.Chunking;

/// <summary>
/// Line starts of a text, so that offsets map to 0-based line indexes in O(log n).
/// </summary>
/// <remarks>
/// Line breaks are <c>\r\n</c>, <c>\n</c> and <c>\r</c>, the same set the Language Server Protocol uses,
/// so chunk line numbers agree with editor positions (Roslyn's own line table also breaks at U+2028,
/// U+2029 and U+0085; we deliberately do not).
/// </remarks>
internal sealed class SourceLines
{
    private readonly int[] _starts;

    public SourceLines(string text)
    {
        Text = text;
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\r')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                starts.Add(i + 1);
            }
            else if (c == '\n')
            {
                starts.Add(i + 1);
            }
        }

        _starts = starts.ToArray();
    }

    /// <summary>The whole text.</summary>
    public string Text { get; }

    /// <summary>Number of lines; a text ending with a line break has an empty last line.</summary>
    public int Count => _starts.Length;

    /// <summary>Offset of the first character of line <paramref name="line"/> (0-based).</summary>
    public int Start(int line) => _starts[line];

    /// <summary>Offset just past the last character of line <paramref name="line"/>, before its line break.</summary>
    public int End(int line)
    {
        int end = line + 1 < _starts.Length ? _starts[line + 1] : Text.Length;
        if (end > _starts[line] && Text[end - 1] == '\n')
        {
            end--;
        }

        if (end > _starts[line] && Text[end - 1] == '\r')
        {
            end--;
        }

        return end;
    }

    /// <summary>The 0-based line that contains <paramref name="offset"/> (an offset at a line break belongs to the line it ends).</summary>
    public int IndexOf(int offset)
    {
        int index = Array.BinarySearch(_starts, offset);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>The text of line <paramref name="line"/> without its line break.</summary>
    public ReadOnlySpan<char> Span(int line) => Text.AsSpan(_starts[line], End(line) - _starts[line]);

    /// <summary>Whether line <paramref name="line"/> holds only white space.</summary>
    public bool IsBlank(int line) => Span(line).IsWhiteSpace();

    /// <summary>Indentation width of line <paramref name="line"/>, a tab counting as 4 columns.</summary>
    public int Indent(int line)
    {
        int width = 0;
        foreach (char c in Span(line))
        {
            if (c == ' ')
            {
                width++;
            }
            else if (c == '\t')
            {
                width += 4;
            }
            else if (!char.IsWhiteSpace(c))
            {
                break;
            }
        }

        return width;
    }
}
