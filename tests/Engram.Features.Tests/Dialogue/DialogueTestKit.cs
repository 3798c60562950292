using System.Collections.Concurrent;
using Engram.Features.Dialogue;
using Engram.Features.Hosting;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Features.Tests.Dialogue;

/// <summary>
/// A fake model: answers after <see cref="Latency"/> with <see cref="Respond"/>'s text (default: names the model and
/// echoes the prompt's first line), fails with probability <see cref="FailureRate"/> (a 503), and counts calls.
/// </summary>
public sealed class FakeModel(string name) : IChatClient
{
    // Seeded from the name with a stable hash (string.GetHashCode is randomised per process), so a run's injected
    // failures are the same in every process.
    private readonly Random _random = new(name.Aggregate(17, (hash, c) => unchecked((hash * 31) + c)) & 0x7fffffff);
    private int _inFlight;
    private int _failures;

    public string Name => name;

    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    public double FailureRate { get; set; }

    public bool AlwaysFail { get; set; }

    public Func<string, string>? Respond { get; set; }

    public ConcurrentQueue<string> Prompts { get; } = new();

    public ConcurrentQueue<int?> MaxOutputTokens { get; } = new();

    public int Calls => Prompts.Count;

    /// <summary>How many calls failed on purpose (<see cref="FailureRate"/> or <see cref="AlwaysFail"/>).</summary>
    public int Failures => Volatile.Read(ref _failures);

    public int MaxConcurrency { get; private set; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = messages.Last().Text;
        var now = Interlocked.Increment(ref _inFlight);
        lock (_random)
        {
            MaxConcurrency = Math.Max(MaxConcurrency, now);
        }

        try
        {
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, cancellationToken);
            }

            bool fail;
            lock (_random)
            {
                fail = AlwaysFail || _random.NextDouble() < FailureRate;
            }

            if (options?.AdditionalProperties?.ContainsKey(ModelRouter.CorrelationIdPropertyName) == true)
            {
                throw new InvalidOperationException("the router's properties reached the provider");
            }

            if (fail)
            {
                Interlocked.Increment(ref _failures);
                throw new ModelProviderException($"{name}: injected failure", System.Net.HttpStatusCode.ServiceUnavailable);
            }

            Prompts.Enqueue(prompt);
            MaxOutputTokens.Enqueue(options?.MaxOutputTokens);
            var text = Respond?.Invoke(prompt) ?? $"{name} answers: {prompt.Split('\n')[0]}";
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
            {
                Usage = new UsageDetails { InputTokenCount = (prompt.Length + 3) / 4, OutputTokenCount = (text.Length + 3) / 4 },
            };
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>
/// A temporary folder with a modes folder (the shipped modes plus any written by the test), a dialogue database and
/// <see cref="EngramModels"/> over two fake models (alpha, beta; priced so costs are visible) through the real router.
/// </summary>
public sealed class DialogueTestKit : IDisposable
{
    public DialogueTestKit(decimal pricePerMillion = 1m, FallbackChatClientOptions? fallback = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "engram-dialogue-tests", Guid.NewGuid().ToString("n")[..12]);
        ModesDirectory = Path.Combine(Root, "modes");
        Directory.CreateDirectory(ModesDirectory);
        foreach (var file in Directory.EnumerateFiles(ShippedModesDirectory, "*.json"))
        {
            File.Copy(file, Path.Combine(ModesDirectory, Path.GetFileName(file)));
        }

        ModelCapability[] all = [ModelCapability.Chat, ModelCapability.Reasoning, ModelCapability.Review, ModelCapability.Code];
        Config = new EngramConfig
        {
            Models =
            [
                new ModelDefinition { Name = "alpha", Provider = ModelProvider.Fake, Capabilities = all, Priority = 2, CostPerMillionInput = pricePerMillion, CostPerMillionOutput = 2 * pricePerMillion },
                new ModelDefinition { Name = "beta", Provider = ModelProvider.Fake, Capabilities = all, Priority = 1, CostPerMillionInput = pricePerMillion, CostPerMillionOutput = 2 * pricePerMillion },
            ],
        };
        Alpha = new FakeModel("alpha");
        Beta = new FakeModel("beta");
        Ledger = new InMemoryUsageLedger();
        Models = new EngramModels(Root, Config, Ledger, m => m.Name == "alpha" ? Alpha : Beta, new ModelRouterOptions
        {
            Fallback = fallback ?? new FallbackChatClientOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxRetries = 1 },
            CircuitBreaker = new CircuitBreakerOptions { FailureThreshold = 1000 },
        });
        DatabasePath = Path.Combine(Root, "dialogues.db");
    }

    public string Root { get; }

    public string ModesDirectory { get; }

    public string DatabasePath { get; }

    public EngramConfig Config { get; }

    public FakeModel Alpha { get; }

    public FakeModel Beta { get; }

    public InMemoryUsageLedger Ledger { get; }

    public EngramModels Models { get; }

    public static string ShippedModesDirectory => Path.Combine(RepoRoot, "modes");

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "LanguageServer.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("LanguageServer.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public void WriteMode(string name, string json) => File.WriteAllText(Path.Combine(ModesDirectory, name + ".json"), json);

    public DialogueService Service(EngramWorkspace? workspace = null, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        new(Models, [ModesDirectory], DatabasePath, workspace, logger);

    public void Dispose()
    {
        Models.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
