using Engram.LanguageServer.Documents;
using Engram.LanguageServer.Protocol;

namespace Engram.LanguageServer.Tests;

/// <summary>Incremental edits and position conversion, data-driven: (text, edit range, new text) → expected text.</summary>
public sealed class TextDocumentTests
{
    [Theory]
    // ASCII insert, delete, replace across lines.
    [InlineData("hello world", 0, 5, 0, 5, ",", "utf-16", "hello, world")]
    [InlineData("a\nb\nc", 0, 1, 2, 0, "", "utf-16", "ac")]
    [InlineData("a\r\nb\r\nc", 1, 0, 1, 1, "B", "utf-16", "a\r\nB\r\nc")]
    // Emoji (a surrogate pair: 2 UTF-16 units, 4 UTF-8 bytes) and CJK (1 unit, 3 bytes) before the edit.
    [InlineData("x😀y", 0, 3, 0, 4, "Y", "utf-16", "x😀Y")]
    [InlineData("x😀y", 0, 5, 0, 6, "Y", "utf-8", "x😀Y")]
    [InlineData("日本語 text", 0, 4, 0, 8, "word", "utf-16", "日本語 word")]
    [InlineData("日本語 text", 0, 10, 0, 14, "word", "utf-8", "日本語 word")]
    [InlineData("line\n日本😀end", 1, 2, 1, 4, "", "utf-16", "line\n日本end")]
    [InlineData("line\n日本😀end", 1, 6, 1, 10, "", "utf-8", "line\n日本end")]
    // Past the end of a line clamps to the line end; past the last line clamps to the text end.
    [InlineData("ab\ncd", 0, 99, 0, 99, "!", "utf-16", "ab!\ncd")]
    [InlineData("ab\ncd", 9, 0, 9, 0, "!", "utf-16", "ab\ncd!")]
    public void IncrementalEditsApply(string text, int startLine, int startCharacter, int endLine, int endCharacter, string newText, string encoding, string expected)
    {
        var kind = encoding == "utf-8" ? PositionEncodingKind.Utf8 : PositionEncodingKind.Utf16;
        var document = new TextDocument("file:///t.txt", "plaintext", 1, text);
        var change = new TextDocumentContentChangeEvent(newText, new Protocol.Range(new Position(startLine, startCharacter), new Position(endLine, endCharacter)));
        var next = document.Apply(2, [change], kind);
        Assert.Equal(expected, next.Text);
        Assert.Equal(2, next.Version);
        Assert.Equal(text, document.Text);
    }

    [Fact]
    public void ChangesApplyInOrderAndAFullChangeReplacesTheText()
    {
        var document = new TextDocument("file:///t.txt", "plaintext", 1, "abc");
        var next = document.Apply(3,
        [
            new TextDocumentContentChangeEvent("X", new Protocol.Range(new Position(0, 0), new Position(0, 1))),
            new TextDocumentContentChangeEvent("Y", new Protocol.Range(new Position(0, 1), new Position(0, 2))),
        ], PositionEncodingKind.Utf16);
        Assert.Equal("XYc", next.Text);
        Assert.Equal("new", next.Apply(4, [new TextDocumentContentChangeEvent("new")], PositionEncodingKind.Utf16).Text);
    }

    [Theory]
    [InlineData("a😀b", 3, "utf-16", 0, 3)]
    [InlineData("a😀b", 3, "utf-8", 0, 5)]
    [InlineData("x\n日本b", 4, "utf-8", 1, 6)]
    [InlineData("x\r\ny", 3, "utf-16", 1, 0)]
    public void OffsetsConvertToPositionsAndBack(string text, int offset, string encoding, int line, int character)
    {
        var kind = encoding == "utf-8" ? PositionEncodingKind.Utf8 : PositionEncodingKind.Utf16;
        var document = new TextDocument("file:///t.txt", "plaintext", 1, text);
        Assert.Equal(new Position(line, character), document.ToPosition(offset, kind));
        Assert.Equal(offset, document.ToOffset(new Position(line, character), kind));
    }

    [Fact]
    public void AReversedRangeIsRejected()
    {
        var document = new TextDocument("file:///t.txt", "plaintext", 1, "abc");
        Assert.Throws<ArgumentException>(() => document.Apply(2, [new TextDocumentContentChangeEvent("", new Protocol.Range(new Position(0, 2), new Position(0, 1)))], PositionEncodingKind.Utf16));
    }
}
