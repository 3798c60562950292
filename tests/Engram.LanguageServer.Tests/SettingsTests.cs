using System.Text.Json;
using Engram.LanguageServer.Server;

namespace Engram.LanguageServer.Tests;

public sealed class SettingsTests
{
    [Fact]
    public void DefaultsMatchTheContract()
    {
        var settings = EngramSettings.Default;
        Assert.True(settings.InlineCompletionEnabled);
        Assert.Equal(150, settings.InlineCompletionDebounceMs);
        Assert.True(settings.CompletionEnabled);
        Assert.False(settings.ReviewOnSave);
        Assert.False(settings.IndexLexicalOnly);
        Assert.True(settings.IndexAutoUpdate);
    }

    [Theory]
    [InlineData("""{"review":{"onSave":true}}""", true, 150)]
    [InlineData("""{"engram":{"review":{"onSave":true},"inlineCompletion":{"debounceMs":40}}}""", true, 40)]
    [InlineData("""{"review":{"onSave":"yes"},"inlineCompletion":{"debounceMs":"fast"}}""", false, 150)]
    [InlineData("""{"inlineCompletion":{"debounceMs":999999}}""", false, 10000)]
    [InlineData("[]", false, 150)]
    public void SectionsOverlayAndIgnoreMistypedValues(string json, bool onSave, int debounce)
    {
        var settings = EngramSettings.Default.Merge(JsonDocument.Parse(json).RootElement);
        Assert.Equal(onSave, settings.ReviewOnSave);
        Assert.Equal(debounce, settings.InlineCompletionDebounceMs);
    }

    [Fact]
    public void ModelChoiceAndIndexFoldersAreRead()
    {
        var settings = EngramSettings.Default.Merge(JsonDocument.Parse("""{"model":{"name":" cloud "},"index":{"folders":["src", 3, "", "/abs/docs"]}}""").RootElement);
        Assert.Equal("cloud", settings.ModelName);
        Assert.Equal(["src", "/abs/docs"], settings.IndexFolders);

        var cleared = settings.Merge(JsonDocument.Parse("""{"model":{"name":null},"index":{"folders":[]}}""").RootElement);
        Assert.Null(cleared.ModelName);
        Assert.Empty(cleared.IndexFolders);
        Assert.Null(EngramSettings.Default.ModelName);
        Assert.Empty(EngramSettings.Default.IndexFolders);
    }
}
