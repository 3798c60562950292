using System.Text;
using Engram.LanguageServer.Protocol;

namespace Engram.LanguageServer.Documents;

/// <summary>
/// An immutable open document: its text and line table. Edits return a new instance, so a request that captured one
/// sees a consistent text however many changes arrive meanwhile.
/// </summary>
/// <remarks>
/// Line breaks are <c>\n</c>, <c>\r\n</c> and <c>\r</c> (LSP 3.17). Positions past the end of a line clamp to the line's
/// end and lines past the end clamp to the end of the text, as the specification asks.
/// </remarks>
internal sealed class TextDocument
{
    private readonly int[] _lineStarts;

    public TextDocument(string uri, string languageId, int version, string text)
    {
        Uri = uri;
        LanguageId = languageId;
        Version = version;
        Text = text;
        _lineStarts = ComputeLineStarts(text);
    }

    public string Uri { get; }

    public string LanguageId { get; }

    public int Version { get; }

    public string Text { get; }

    public int LineCount => _lineStarts.Length;

    /// <summary>Applies LSP content changes in order (each range relative to the text after the previous change).</summary>
    /// <exception cref="ArgumentException">A change's range is reversed.</exception>
    public TextDocument Apply(int version, IReadOnlyList<TextDocumentContentChangeEvent> changes, PositionEncodingKind encoding)
    {
        var document = this;
        foreach (var change in changes)
        {
            if (change.Range is null)
            {
                document = new TextDocument(Uri, LanguageId, version, change.Text ?? "");
                continue;
            }

            var start = document.ToOffset(change.Range.Start, encoding);
            var end = document.ToOffset(change.Range.End, encoding);
            if (end < start)
            {
                throw new ArgumentException($"Range end {change.Range.End} precedes its start {change.Range.Start}.");
            }

            var text = string.Concat(document.Text.AsSpan(0, start), change.Text ?? "", document.Text.AsSpan(end));
            document = new TextDocument(Uri, LanguageId, version, text);
        }

        return document.Version == version ? document : new TextDocument(Uri, LanguageId, version, document.Text);
    }

    /// <summary>The UTF-16 offset of <paramref name="position"/> (clamped into the text).</summary>
    public int ToOffset(Position position, PositionEncodingKind encoding)
    {
        if (position.Line < 0)
        {
            return 0;
        }

        if (position.Line >= _lineStarts.Length)
        {
            return Text.Length;
        }

        var lineStart = _lineStarts[position.Line];
        var lineEnd = LineContentEnd(position.Line);
        var character = Math.Max(0, position.Character);
        if (encoding == PositionEncodingKind.Utf16)
        {
            return Math.Min(lineStart + character, lineEnd);
        }

        var bytes = 0;
        var offset = lineStart;
        while (offset < lineEnd && bytes < character)
        {
            if (char.IsHighSurrogate(Text[offset]) && offset + 1 < lineEnd && char.IsLowSurrogate(Text[offset + 1]))
            {
                bytes += 4;
                offset += 2;
            }
            else
            {
                bytes += Utf8Length(Text[offset]);
                offset++;
            }
        }

        return offset;
    }

    /// <summary>The position of UTF-16 offset <paramref name="offset"/> (clamped into the text).</summary>
    public Position ToPosition(int offset, PositionEncodingKind encoding)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        var line = LineOf(offset);
        var lineStart = _lineStarts[line];
        if (encoding == PositionEncodingKind.Utf16)
        {
            return new Position(line, offset - lineStart);
        }

        return new Position(line, Encoding.UTF8.GetByteCount(Text.AsSpan(lineStart, offset - lineStart)));
    }

    /// <summary>0-based line containing UTF-16 offset <paramref name="offset"/>.</summary>
    public int LineOf(int offset)
    {
        var index = Array.BinarySearch(_lineStarts, offset);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>UTF-16 offset where 0-based line <paramref name="line"/> begins (the text's length past the last line).</summary>
    public int LineStart(int line) => line >= _lineStarts.Length ? Text.Length : _lineStarts[Math.Max(0, line)];

    /// <summary>The text of 0-based line <paramref name="line"/> without its line break ("" outside the text).</summary>
    public string GetLine(int line) =>
        line < 0 || line >= _lineStarts.Length ? "" : Text[_lineStarts[line]..LineContentEnd(line)];

    private int LineContentEnd(int line)
    {
        var end = line + 1 < _lineStarts.Length ? _lineStarts[line + 1] : Text.Length;
        if (end > _lineStarts[line] && end <= Text.Length && line + 1 < _lineStarts.Length)
        {
            if (Text[end - 1] == '\n')
            {
                end--;
                if (end > _lineStarts[line] && Text[end - 1] == '\r')
                {
                    end--;
                }
            }
            else if (Text[end - 1] == '\r')
            {
                end--;
            }
        }

        return end;
    }

    private static int Utf8Length(char c) => c < 0x80 ? 1 : c < 0x800 ? 2 : 3;

    private static int[] ComputeLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
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

        return [.. starts];
    }
}
