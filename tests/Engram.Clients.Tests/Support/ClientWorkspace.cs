using System.Text.Json.Nodes;
using LibGit2Sharp;

namespace Engram.Clients.Tests.Support;

/// <summary>
/// A temporary git repository that editors open, with an isolated engram environment: its own XDG config, data and
/// cache folders, an index folder, and a user <c>engram.json</c> naming the fake model (when one is given).
/// The fixture: <c>calc.py</c> and <c>util.py</c> committed, then <c>calc.py</c> changed (a division that may divide by
/// zero) so that the working tree differs from HEAD.
/// </summary>
internal sealed class ClientWorkspace : IDisposable
{
    /// <summary>What the fake model answers to the inline completion request of the fixture (<c>def add(a, b):</c>).</summary>
    public const string InlineReply = "return a + b";

    /// <summary>The code of the review finding the fake model reports.</summary>
    public const string ReviewCode = "division-by-zero";

    public ClientWorkspace(FakeOpenAiServer? model = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "engram-clients-" + Guid.NewGuid().ToString("N")[..10]);
        Folder = Path.Combine(Root, "ws");
        ConfigHome = Path.Combine(Root, "config");
        DataHome = Path.Combine(Root, "data");
        CacheHome = Path.Combine(Root, "cache");
        IndexDir = Path.Combine(Root, "index");
        foreach (var dir in new[] { Folder, ConfigHome, DataHome, CacheHome, IndexDir })
        {
            Directory.CreateDirectory(dir);
        }

        Repository.Init(Folder);
        File.WriteAllText(Path.Combine(Folder, "calc.py"), CalcCommitted);
        File.WriteAllText(Path.Combine(Folder, "util.py"), Util);
        File.WriteAllText(Path.Combine(Folder, "Greeter.cs"), Greeter);
        using (var repo = new Repository(Folder))
        {
            Commands.Stage(repo, "*");
            var who = new Signature("Engram Tests", "tests@example.invalid", DateTimeOffset.UtcNow);
            repo.Commit("fixture", who, who);
        }

        File.WriteAllText(Path.Combine(Folder, "calc.py"), CalcChanged);
        if (model is not null)
        {
            WriteModelConfig(model.Endpoint);
        }
    }

    public string Root { get; }

    /// <summary>The workspace folder (git work tree) an editor opens.</summary>
    public string Folder { get; }

    public string ConfigHome { get; }

    public string DataHome { get; }

    public string CacheHome { get; }

    public string IndexDir { get; }

    public string CalcPath => Path.Combine(Folder, "calc.py");

    /// <summary>The server command for this workspace (its own index folder, lexical index: no embedding model load).</summary>
    public IReadOnlyList<string> ServerCommand => RepoPaths.ServerCommand(IndexDir);

    /// <summary>Environment for the editor (inherited by the server it starts): isolated XDG folders.</summary>
    public Dictionary<string, string?> Environment => new()
    {
        ["XDG_CONFIG_HOME"] = ConfigHome,
        ["XDG_DATA_HOME"] = DataHome,
        ["XDG_CACHE_HOME"] = CacheHome,
        ["XDG_STATE_HOME"] = Path.Combine(Root, "state"),
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    /// <summary>Rules for <see cref="FakeOpenAiServer"/>: a review answer with one finding, the inline completion, else prose.</summary>
    public static IEnumerable<(Func<string, bool> When, string Reply)> FakeModelRules() =>
    [
        (body => body.Contains("review", StringComparison.OrdinalIgnoreCase) && body.Contains("calc.py", StringComparison.Ordinal), ReviewReply),
        (body => body.Contains("def add(a, b):", StringComparison.Ordinal), InlineReply),
        (_ => true, "The total of the prices is computed by `calculate_total` in calc.py."),
    ];

    public void Dispose()
    {
        try
        {
            DeleteTree(Root);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; the temp folder is cleaned by the OS later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void WriteModelConfig(string endpoint)
    {
        var dir = Path.Combine(ConfigHome, "engram");
        Directory.CreateDirectory(dir);
        var config = new JsonObject
        {
            ["models"] = new JsonArray(new JsonObject
            {
                ["name"] = "fake-cloud",
                ["provider"] = "openai",
                ["endpoint"] = endpoint,
                ["path"] = "fake-model",
                ["capabilities"] = new JsonArray("chat", "code", "review", "completion", "fim", "reasoning"),
                ["costPerMillionInput"] = 1.0,
                ["costPerMillionOutput"] = 2.0,
                ["latencyClass"] = "fast",
            }),
        };
        File.WriteAllText(Path.Combine(dir, "engram.json"), config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private static void DeleteTree(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        // git object files are read-only.
        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(path, recursive: true);
    }

    private static string ReviewReply => new JsonObject
    {
        ["findings"] = new JsonArray(new JsonObject
        {
            ["path"] = "calc.py",
            ["startLine"] = 7,
            ["endLine"] = 7,
            ["severity"] = "warning",
            ["code"] = ReviewCode,
            ["message"] = "calculate_average divides by len(prices), which is zero for an empty list.",
            ["suggestedFix"] = "    return total / len(prices) if prices else 0.0\n",
        }),
    }.ToJsonString();

    private const string CalcCommitted = """
        def calculate_total(prices):
            return sum(prices)


        def calculate_average(prices):
            total = calculate_total(prices)
            return total

        """;

    private const string CalcChanged = """
        def calculate_total(prices):
            return sum(prices)


        def calculate_average(prices):
            total = calculate_total(prices)
            return total / len(prices)

        """;

    private const string Util = """
        def format_price(value):
            return f"${value:.2f}"


        def calculate_discount(price, percent):
            return price * (1 - percent / 100)

        """;

    private const string Greeter = """
        namespace Fixture;

        public class Greeter
        {
            public string Greet(string name)
            {
                return "Hello, " + name;
            }
        }

        """;
}
