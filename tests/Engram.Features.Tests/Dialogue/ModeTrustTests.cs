using Engram.Features.Dialogue;
using Engram.Features.Hosting;
using Engram.Models.Configuration;
using Engram.Models.Routing;

namespace Engram.Features.Tests.Dialogue;

/// <summary>Modes of an untrusted workspace may name only the models the configuration defines.</summary>
public sealed class ModeTrustTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "engram-mode-trust-tests", Guid.NewGuid().ToString("n")[..12]);

    public ModeTrustTests() => Directory.CreateDirectory(Path.Combine(_root, "ws", ".engram", "modes"));

    private string Workspace => Path.Combine(_root, "ws");

    private string UserModes => Path.Combine(_root, "user-modes");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // (participant of the workspace mode, error or null when the mode loads): untrusted; the user configured "mine".
    [Theory]
    [InlineData("""{"model":"mine"}""", null)]
    [InlineData("""{"capabilities":["chat"],"prefer":["mine"]}""", null)]
    [InlineData("""{"capabilities":["chat"]}""", null)]
    [InlineData("""{"model":"m"}""", "$.turns[0].participant.model: a model your configuration defines (\"m\" is not one)")]
    [InlineData("""{"capabilities":["chat"],"prefer":["mine","m"]}""", "$.turns[0].participant.prefer[1]: a model your configuration defines (\"m\" is not one)")]
    public void AnUntrustedWorkspacesModeMayNameOnlyConfiguredModels(string participant, string? error)
    {
        WriteMode(Path.Combine(Workspace, ".engram", "modes"), "ask", participant);
        var catalog = Catalog(trusted: false);

        if (error is null)
        {
            Assert.Equal("ask", catalog.Get("ask").Name);
            return;
        }

        var e = Assert.Throws<ModeException>(() => catalog.Get("ask"));
        Assert.StartsWith(Path.Combine(Workspace, ".engram", "modes", "ask.json") + ": " + error, e.Message, StringComparison.Ordinal);
        Assert.EndsWith("to trust it: engram trust " + Workspace, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATrustedWorkspacesModeIsNotRestricted()
    {
        WriteMode(Path.Combine(Workspace, ".engram", "modes"), "ask", """{"model":"m"}""");
        Assert.Equal("m", Catalog(trusted: true).Get("ask").Turns[0].Participant.Model);
    }

    [Fact]
    public void TheUsersOwnModesAreNotRestricted()
    {
        WriteMode(UserModes, "mine-mode", """{"model":"m"}""");
        Assert.Equal("mine-mode", Catalog(trusted: false).Get("mine-mode").Name);
    }

    [Fact]
    public void AUserModeResolvedThroughAnUntrustedWorkspacesParentIsRestrictedToo()
    {
        WriteMode(Path.Combine(Workspace, ".engram", "modes"), "base", """{"model":"m"}""");
        File.WriteAllText(Path.Combine(UserModes, "child.json"), """{"name":"child","description":"d","extends":"base","overrides":{"a":{"prompt":"again {topic}"}}}""");

        var catalog = Catalog(trusted: false);

        Assert.Contains("\"m\" is not one", Assert.Throws<ModeException>(() => catalog.Get("child")).Message, StringComparison.Ordinal);
        Assert.Throws<ModeException>(() => catalog.Get("base"));
    }

    [Fact]
    public void TheDialogueEngineRefusesToStartSuchAMode()
    {
        WriteMode(Path.Combine(Workspace, ".engram", "modes"), "ask", """{"model":"m"}""");
        using var models = new EngramModels(Workspace, Config(trusted: false), new InMemoryUsageLedger(), _ => new Support.FakeChatClient("x"));
        var service = new DialogueService(models, [DialogueTestKit.ShippedModesDirectory, UserModes, Path.Combine(Workspace, ".engram", "modes")], Path.Combine(_root, "dialogues.db"), null);

        var e = Assert.Throws<ModeException>(() => service.Start("ask", "topic"));

        Assert.Contains("engram trust " + Workspace, e.Message, StringComparison.Ordinal);
        Assert.Contains(service.Catalog.Modes, m => m.Name == "debate");
    }

    private ModeCatalog Catalog(bool trusted) =>
        new([DialogueTestKit.ShippedModesDirectory, UserModes, Path.Combine(Workspace, ".engram", "modes")], ModeTrust.For(Config(trusted), [Workspace]));

    private EngramConfig Config(bool trusted)
    {
        var user = Path.Combine(_root, "user.json");
        File.WriteAllText(user, """{ "models": [ { "name": "mine", "provider": "fake", "capabilities": ["chat"] } ] }""");
        return EngramConfigLoader.LoadLayered(user, EngramConfigLoader.GetWorkspaceConfigPath(Workspace), new WorkspaceTrustContext(Workspace, TrustedByClient: trusted));
    }

    private void WriteMode(string folder, string name, string participant)
    {
        Directory.CreateDirectory(folder);
        Directory.CreateDirectory(UserModes);
        File.WriteAllText(Path.Combine(folder, name + ".json"),
            $$"""{"name":"{{name}}","description":"d","structure":"sequential","turns":[{"id":"a","role":"r","participant":{{participant}},"prompt":"{topic}"}]}""");
    }
}
