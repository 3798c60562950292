using Engram.Features.Completion;
using Engram.Features.Dialogue;
using Engram.Features.Review;
using Engram.Features.Tests.Dialogue;
using Engram.Features.Tests.Support;
using Engram.Tests.Support;

namespace Engram.Features.Tests.Files;

/// <summary>
/// Features that read a workspace's files on its behalf (issue 11, items 2 and 5): dialogue modes, review, the
/// word-completion model. Links out of the root are not read, named pipes do not block.
/// </summary>
public sealed class HostileWorkspaceFileTests : IDisposable
{
    private const string Secret = "SECRET-OUTSIDE-THE-ROOT";
    private static readonly TimeSpan s_quickly = TimeSpan.FromSeconds(30);
    private readonly string _base = Path.Combine(Path.GetTempPath(), "engram-hostile-tests", Guid.NewGuid().ToString("n")[..12]);
    private readonly string _root;
    private readonly string _outside;

    public HostileWorkspaceFileTests()
    {
        _root = Path.Combine(_base, "root");
        _outside = Path.Combine(_base, "outside");
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_outside);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_base, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void A_mode_file_linked_out_of_the_workspace_is_an_error_of_that_mode_not_a_mode()
    {
        var modes = Path.Combine(_root, ".engram", "modes");
        Directory.CreateDirectory(modes);
        File.WriteAllText(Path.Combine(_outside, "leak.json"), LeakMode());
        File.CreateSymbolicLink(Path.Combine(modes, "leak.json"), Path.Combine(_outside, "leak.json"));
        File.WriteAllText(Path.Combine(modes, "mine.json"), LeakMode().Replace("\"leak\"", "\"mine\"", StringComparison.Ordinal).Replace(Secret, "a workspace mode", StringComparison.Ordinal));

        var catalog = new ModeCatalog([DialogueTestKit.ShippedModesDirectory, modes]);

        Assert.DoesNotContain(catalog.Modes, m => m.Name == "leak");
        Assert.Contains(catalog.Modes, m => m.Name == "mine");
        var error = Assert.IsType<ModeException>(catalog.Errors["leak"]);
        Assert.Contains("outside the workspace root", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.Throws<ModeException>(() => catalog.Get("leak"));
    }

    [Fact]
    public void A_mode_folder_that_is_a_link_out_of_the_workspace_is_skipped()
    {
        File.WriteAllText(Path.Combine(_outside, "leak.json"), LeakMode());
        Directory.CreateDirectory(Path.Combine(_root, ".engram"));
        var modes = Path.Combine(_root, ".engram", "modes");
        Directory.CreateSymbolicLink(modes, _outside);

        var catalog = new ModeCatalog([DialogueTestKit.ShippedModesDirectory, modes]);

        Assert.DoesNotContain(catalog.Modes, m => m.Name == "leak");
        Assert.False(catalog.Errors.ContainsKey("leak"));
        Assert.Contains(catalog.Modes, m => m.Name == "debate");
    }

    [Fact]
    public void A_mode_named_by_the_user_may_live_behind_a_link()
    {
        // The user's own folders (dotfiles) are not a workspace's: links there are followed.
        File.WriteAllText(Path.Combine(_outside, "mine.json"), LeakMode().Replace("\"leak\"", "\"mine\"", StringComparison.Ordinal));
        var userModes = Path.Combine(_base, "config", "engram", "modes");
        Directory.CreateDirectory(Path.GetDirectoryName(userModes)!);
        Directory.CreateSymbolicLink(userModes, _outside);

        var catalog = new ModeCatalog([DialogueTestKit.ShippedModesDirectory, userModes]);

        Assert.Contains(catalog.Modes, m => m.Name == "mine");
    }

    [Fact]
    public async Task Review_never_sends_a_linked_file_from_outside_and_never_blocks_on_a_pipe()
    {
        using var repo = new TempGitRepo();
        repo.Write("a.txt", "one\n").Commit();
        repo.Write("a.txt", "one\ntwo\n");
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), Secret + "\n");
        File.CreateSymbolicLink(repo.PathOf("leak.txt"), Path.Combine(_outside, "secret.txt"));
        SpecialFiles.MakeFifo(repo.PathOf("pipe.txt"));
        var client = new FakeChatClient("""{"findings":[]}""");

        var result = await new ReviewService().ReviewChangesAsync(repo.Root, null, null, client).WaitAsync(s_quickly);

        Assert.Contains("a.txt", result.ReviewedPaths);
        Assert.NotEmpty(client.Calls);
        Assert.All(client.Calls, call => Assert.DoesNotContain(Secret, string.Concat(call.Messages.Select(m => m.Text)), StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_completion_model_trains_past_pipes_and_links_out_of_the_root()
    {
        File.WriteAllText(Path.Combine(_root, "a.cs"), "class Alpha { void ComputeTotal() { } }\n");
        File.WriteAllText(Path.Combine(_outside, "secret.cs"), "class " + Secret.Replace('-', '_') + " { }\n");
        File.CreateSymbolicLink(Path.Combine(_root, "leak.cs"), Path.Combine(_outside, "secret.cs"));
        SpecialFiles.MakeFifo(Path.Combine(_root, "pipe.cs"));

        var model = await WordCompletionModel.TrainAsync([_root]).WaitAsync(s_quickly);

        Assert.Contains(model.Complete("void Comp").Suggestions, w => w.Word == "ComputeTotal");
        Assert.DoesNotContain(model.Complete("class SECRET").Suggestions, w => w.Word.StartsWith("SECRET", StringComparison.Ordinal));
    }

    private static string LeakMode() =>
        File.ReadAllText(Path.Combine(DialogueTestKit.ShippedModesDirectory, "debate.json"))
            .Replace("\"name\": \"debate\"", "\"name\": \"leak\"", StringComparison.Ordinal)
            .Replace("\"description\": \"", "\"description\": \"" + Secret + " ", StringComparison.Ordinal);
}
