using System.Text;
using System.Text.Json.Nodes;
using Engram.Models.Configuration;

namespace Engram.Models.Tests.Configuration;

public sealed class ConfigFileEditorTests
{
    private static readonly JsonNode s_folders = new JsonArray("/home/u/src/a", "/srv/b");

    // (before, path, after): one member set, every other character kept.
    public static TheoryData<string, string, string> Edits => new()
    {
        {
            "",
            "trustedFolders",
            "{\n  \"trustedFolders\": [\"/home/u/src/a\", \"/srv/b\"]\n}\n"
        },
        {
            "{}",
            "trustedFolders",
            "{\n  \"trustedFolders\": [\"/home/u/src/a\", \"/srv/b\"]\n}"
        },
        {
            // Comments, the root's indentation and the trailing newline stay; the new member follows the last one.
            "{\n    // my models\n    \"models\": [ ],\n    \"budgets\": { \"dailyUsd\": 2 } // cap\n}\n",
            "trustedFolders",
            "{\n    // my models\n    \"models\": [ ],\n    \"budgets\": { \"dailyUsd\": 2 }, // cap\n    \"trustedFolders\": [\"/home/u/src/a\", \"/srv/b\"]\n}\n"
        },
        {
            // A trailing comma is reused, not doubled.
            "{\n  \"models\": [],\n}\n",
            "trustedFolders",
            "{\n  \"models\": [],\n  \"trustedFolders\": [\"/home/u/src/a\", \"/srv/b\"]\n}\n"
        },
        {
            // An existing value is replaced where it stands.
            "{\n  \"trustedFolders\": [\"/old\"], // mine\n  \"models\": []\n}\n",
            "trustedFolders",
            "{\n  \"trustedFolders\": [\"/home/u/src/a\", \"/srv/b\"], // mine\n  \"models\": []\n}\n"
        },
        {
            // One-line files stay on one line.
            "{\"models\":[]}",
            "trustedFolders",
            "{\"models\":[], \"trustedFolders\": [\"/home/u/src/a\", \"/srv/b\"]}"
        },
        {
            // CRLF line endings are kept.
            "{\r\n  \"models\": []\r\n}\r\n",
            "trustedFolders",
            "{\r\n  \"models\": [],\r\n  \"trustedFolders\": [\"/home/u/src/a\", \"/srv/b\"]\r\n}\r\n"
        },
        {
            // Nested: missing objects on the way are created inside the existing one.
            "{\n  \"routes\": {\n    \"review\": { \"preferred\": [\"a\"] }\n  }\n}\n",
            "routes.inline.preferred",
            "{\n  \"routes\": {\n    \"review\": { \"preferred\": [\"a\"] },\n    \"inline\": { \"preferred\": [\"/home/u/src/a\", \"/srv/b\"] }\n  }\n}\n"
        },
        {
            "{\n  \"models\": []\n}\n",
            "routes.inline.preferred",
            "{\n  \"models\": [],\n  \"routes\": { \"inline\": { \"preferred\": [\"/home/u/src/a\", \"/srv/b\"] } }\n}\n"
        },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void SetValueChangesOneMemberAndKeepsTheRest(string before, string path, string after) =>
        Assert.Equal(after, ConfigFileEditor.SetValue(before, path.Split('.'), s_folders));

    [Fact]
    public void LongValuesAreIndentedOverSeveralLines()
    {
        var many = new JsonArray([.. Enumerable.Range(1, 6).Select(i => (JsonNode)$"/home/user/projects/repository-{i}")]);
        var text = ConfigFileEditor.SetValue("{\n  \"models\": []\n}\n", ["trustedFolders"], many);
        Assert.StartsWith("{\n  \"models\": [],\n  \"trustedFolders\": [\n    \"/home/user/projects/repository-1\",\n    \"/home/user/projects/repository-2\",", text, StringComparison.Ordinal);
        Assert.EndsWith("    \"/home/user/projects/repository-6\"\n  ]\n}\n", text, StringComparison.Ordinal);
        Assert.Equal(6, EngramConfigLoader.Parse(text, "t.json").TrustedFolders.Count);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void UpdateWritesAtomicallyAndKeepsTheFilesBomAndPermissions()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "engram", "engram.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [.. "\uFEFF"u8, .. Encoding.UTF8.GetBytes("{\n  // keep me\n  \"budgets\": { \"dailyUsd\": 1 }\n}\n")]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var after = ConfigFileEditor.Update(path, _ => [new ConfigEdit(["trustedFolders"], new JsonArray("/x"))]);

        Assert.Equal(["/x"], after.TrustedFolders);
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan().StartsWith("\uFEFF"u8));
        Assert.Equal("{\n  // keep me\n  \"budgets\": { \"dailyUsd\": 1 },\n  \"trustedFolders\": [\"/x\"]\n}\n", Encoding.UTF8.GetString(bytes.AsSpan(3)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(["engram.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Where(n => !n!.EndsWith(".lock", StringComparison.Ordinal)));
    }

    [Fact]
    public void UpdateCreatesAMissingFileAndItsFolder()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "config", "engram", "engram.json");

        ConfigFileEditor.Update(path, _ => [new ConfigEdit(["trustedFolders"], new JsonArray("/x"))]);

        Assert.Equal("{\n  \"trustedFolders\": [\"/x\"]\n}\n", File.ReadAllText(path));
    }

    [Fact]
    public void UpdateOfALinkedFileReplacesItsTargetAndKeepsTheLink()
    {
        using var folder = new TempFolder();
        var target = folder.Write("dotfiles/engram.json", "{}\n");
        var link = Path.Combine(folder.Path, "config", "engram.json");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, target);

        ConfigFileEditor.Update(link, _ => [new ConfigEdit(["trustedFolders"], new JsonArray("/x"))]);

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal("{\n  \"trustedFolders\": [\"/x\"]\n}\n", File.ReadAllText(target));
    }

    [Theory]
    [InlineData("{ \"models\": [ }", "invalid JSON")]
    [InlineData("{ \"budgets\": { \"dailyUsd\": -1 } }", "$.budgets.dailyUsd")]
    public void AnInvalidFileIsNamedAndLeftUntouched(string text, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.Write("engram.json", text);

        var e = Assert.Throws<ConfigException>(() => ConfigFileEditor.Update(path, _ => [new ConfigEdit(["trustedFolders"], new JsonArray("/x"))]));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllText(path));
    }

    [Fact]
    public void AnEditThatWouldBreakTheConfigurationWritesNothing()
    {
        using var folder = new TempFolder();
        var path = folder.Write("engram.json", "{ \"models\": [] }");

        var e = Assert.Throws<ConfigException>(() => ConfigFileEditor.Update(path, _ => [new ConfigEdit(["routes", "inline", "preferred"], new JsonArray("nope"))]));

        Assert.Contains("no model named \"nope\"", e.Message, StringComparison.Ordinal);
        Assert.Equal("{ \"models\": [] }", File.ReadAllText(path));
    }

    [Fact]
    public void AnEmptyPlanWritesNothing()
    {
        using var folder = new TempFolder();
        var path = folder.Write("engram.json", "{ }");
        var before = File.GetLastWriteTimeUtc(path);

        ConfigFileEditor.Update(path, _ => []);

        Assert.Equal("{ }", File.ReadAllText(path));
        Assert.Equal(before, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void ConcurrentWritersDoNotLoseEachOthersEdits()
    {
        using var folder = new TempFolder();
        var path = folder.Write("engram.json", "{}");

        Parallel.For(0, 8, i => ConfigFileEditor.Update(path, config =>
            [new ConfigEdit(["trustedFolders"], new JsonArray([.. config.TrustedFolders.Append($"/f{i}").Select(f => (JsonNode)f)]))]));

        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"/f{i}").Order(), EngramConfigLoader.Load(path).TrustedFolders.Order());
    }
}
