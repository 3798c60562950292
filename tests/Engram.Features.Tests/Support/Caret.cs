namespace Engram.Features.Tests.Support;

/// <summary>Fixtures mark the caret with <c>$0</c>.</summary>
public static class Caret
{
    public const string Marker = "$0";

    /// <summary>The text without the marker and the marker's offset.</summary>
    public static (string Text, int Offset) Parse(string fixture)
    {
        var offset = fixture.IndexOf(Marker, StringComparison.Ordinal);
        Assert.True(offset >= 0, "The fixture has no $0 caret.");
        return (fixture.Remove(offset, Marker.Length), offset);
    }

    /// <summary>The text without the marker and the marker's 0-based line and column.</summary>
    public static (string Text, int Line, int Character) ParseLineColumn(string fixture)
    {
        var (text, offset) = Parse(fixture);
        var before = text[..offset];
        var line = before.Count(c => c == '\n');
        var character = offset - (before.LastIndexOf('\n') + 1);
        return (text, line, character);
    }
}
