using System.Text.Json;
using Engram.LanguageServer.Tests.Support;
using StreamJsonRpc;

namespace Engram.LanguageServer.Tests;

/// <summary>LSP 3.18 textDocument/inlineCompletion with a scripted model.</summary>
public sealed class InlineCompletionTests
{
    [Theory]
    // The model's text is inserted at the caret (UTF-16 column after an emoji: 2 units).
    [InlineData("int Sum(int a, int b) => $0", " a + b;", 0, 25)]
    [InlineData("// 😀\nvar total = $0", "price * count;", 1, 12)]
    public async Task TheModelsTextIsInsertedAtTheCaret(string fixture, string modelText, int line, int character)
    {
        using var folder = new TempFolder();
        var chat = new FakeChatClient(_ => modelText);
        await using var client = LspTestClient.Start(LspTestClient.Options(folder, chat));
        await client.InitializeAsync(folder);
        var (text, caretLine, caretCharacter) = Caret.Parse(fixture);
        var uri = folder.FileUri("a.cs");
        await client.OpenAsync(uri, text);

        var result = await client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri },
            position = new { line = caretLine, character = caretCharacter },
            context = new { triggerKind = 2 },
        });
        var item = result.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(modelText.TrimEnd(), item.GetProperty("insertText").GetString()!.TrimEnd());
        Assert.Equal(line, item.GetProperty("range").GetProperty("start").GetProperty("line").GetInt32());
        Assert.Equal(character, item.GetProperty("range").GetProperty("start").GetProperty("character").GetInt32());
        Assert.Single(chat.Prompts);
    }

    [Fact]
    public async Task ANewerRequestSupersedesTheRunningOne()
    {
        using var folder = new TempFolder();
        var chat = new FakeChatClient(_ => "value;") { Gate = new TaskCompletionSource() };
        await using var client = LspTestClient.Start(LspTestClient.Options(folder, chat));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("a.cs");
        await client.OpenAsync(uri, "var x = ");
        var parameters = new { textDocument = new { uri }, position = new { line = 0, character = 8 }, context = new { triggerKind = 2 } };

        var first = client.RequestAsync("textDocument/inlineCompletion", parameters);
        while (chat.Prompts.Count == 0)
        {
            await Task.Yield();
        }

        chat.Gate = null;
        var second = await client.RequestAsync("textDocument/inlineCompletion", parameters);
        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => first);
        Assert.Equal(-32801, error.ErrorCode);
        Assert.Equal("value;", second.GetProperty("items")[0].GetProperty("insertText").GetString());
    }

    [Fact]
    public async Task ClientCancellationIsRequestCancelled()
    {
        using var folder = new TempFolder();
        var chat = new FakeChatClient(_ => "never") { Gate = new TaskCompletionSource() };
        await using var client = LspTestClient.Start(LspTestClient.Options(folder, chat));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("a.cs");
        await client.OpenAsync(uri, "var x = ");

        using var cancel = new CancellationTokenSource();
        var request = client.RequestAsync("textDocument/inlineCompletion", new { textDocument = new { uri }, position = new { line = 0, character = 8 } }, cancel.Token);
        while (chat.Prompts.Count == 0)
        {
            await Task.Yield();
        }

        // StreamJsonRpc sends $/cancelRequest; the server answers RequestCancelled (-32800), which the client surfaces as cancellation.
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        var status = await client.RequestAsync("workspace/executeCommand", new { command = "engram.status" });
        Assert.Equal(JsonValueKind.Object, status.ValueKind);
    }

    [Fact]
    public async Task WithoutAModelTheListIsEmptyAndTheFixIsShownOnce()
    {
        using var folder = new TempFolder();
        await using var client = LspTestClient.Start(LspTestClient.Options(folder));
        await client.InitializeAsync(folder);
        var uri = folder.FileUri("a.cs");
        await client.OpenAsync(uri, "var x = ");
        var parameters = new { textDocument = new { uri }, position = new { line = 0, character = 8 } };

        for (var i = 0; i < 3; i++)
        {
            var result = await client.RequestAsync("textDocument/inlineCompletion", parameters);
            Assert.Equal(0, result.GetProperty("items").GetArrayLength());
        }

        var message = await client.WaitForNotificationAsync("window/showMessage");
        Assert.Contains("No model is configured for 'inline'", message.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(client.Notifications, n => n.Method == "window/showMessage");
    }
}
