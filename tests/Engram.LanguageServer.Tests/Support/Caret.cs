namespace Engram.LanguageServer.Tests.Support;

/// <summary>Fixture text with a <c>$0</c> caret marker.</summary>
public static class Caret
{
    /// <summary>The text without the marker and the caret's 0-based line and UTF-16 character.</summary>
    public static (string Text, int Line, int Character) Parse(string fixture)
    {
        var index = fixture.IndexOf("$0", StringComparison.Ordinal);
        Assert.True(index >= 0, "fixture has no $0 caret");
        var text = fixture.Remove(index, 2);
        var before = text[..index];
        var line = before.Count(c => c == '\n');
        var character = index - (before.LastIndexOf('\n') + 1);
        return (text, line, character);
    }
}
