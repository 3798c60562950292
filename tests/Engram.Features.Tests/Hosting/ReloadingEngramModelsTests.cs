using Engram.Features.Hosting;
using Engram.Features.Tests.Support;
using Engram.Models.Configuration;
using Engram.Models.Routing;
using Microsoft.Extensions.AI;

namespace Engram.Features.Tests.Hosting;

/// <summary>The reloading model configuration over real files in a temp folder (real watcher, real debounce).</summary>
public sealed class ReloadingEngramModelsTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "engram-reload-tests", Guid.NewGuid().ToString("N"));

    public ReloadingEngramModelsTests() => Directory.CreateDirectory(_root);

    private string UserPath => Path.Combine(_root, "user", "engram.json");

    private string WorkspacePath => Path.Combine(_root, "ws", ".engram", "engram.json");

    [Fact]
    public async Task AValidEditSwapsTheGenerationAndSharesTheLedger()
    {
        var ledger = new InMemoryUsageLedger();
        var chat = new FakeChatClient("hello");
        using var holder = Create(ledger, _ => chat);
        var first = holder.Current;
        Assert.Empty(first.Config.Models);
        Assert.Null(first.TryGetChatClient(ModelTask.CodeAction));
        Assert.Null(holder.LastError);
        Assert.Equal(1, holder.Generations);

        var reloaded = Next(h => holder.Reloaded += h);
        WriteConfig(WorkspacePath, Model("alpha"));
        var second = await reloaded.WaitAsync(Wait);

        Assert.Same(second, holder.Current);
        Assert.NotSame(first, second);
        Assert.Equal(2, holder.Generations);
        Assert.Equal("alpha", Assert.Single(second.Config.Models).Name);
        Assert.Equal(WorkspacePath, second.WorkspaceConfigPath);
        var client = second.TryGetChatClient(ModelTask.CodeAction);
        Assert.NotNull(client);
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);
        Assert.Equal("hello", response.Text);

        // One ledger for every generation: the call is seen through the old one, the new one and the holder.
        Assert.Same(holder.Ledger, first.Ledger);
        Assert.Same(holder.Ledger, second.Ledger);
        Assert.Equal("alpha", Assert.Single(ledger.GetEntries()).Model);
        Assert.Single(first.Ledger.GetEntries());
    }

    [Fact]
    public async Task ARewriteWithTheSameContentKeepsTheRunningGeneration()
    {
        using var holder = Create(new InMemoryUsageLedger(), _ => new FakeChatClient("x"));
        var reloaded = Next(h => holder.Reloaded += h);
        WriteConfig(WorkspacePath, Model("alpha"));
        var alpha = await reloaded.WaitAsync(Wait);
        Assert.Equal(2, holder.Generations);

        // Same content again (an editor's save without changes), then a real change: only the change is a generation.
        WriteConfig(WorkspacePath, Model("alpha"));
        await Task.Delay(800);
        Assert.Same(alpha, holder.Current);
        reloaded = Next(h => holder.Reloaded += h);
        WriteConfig(WorkspacePath, Model("beta"));
        var beta = await reloaded.WaitAsync(Wait);

        Assert.Equal("beta", Assert.Single(beta.Config.Models).Name);
        Assert.Equal(3, holder.Generations);
    }

    [Fact]
    public async Task AnInvalidEditKeepsThePreviousConfigurationAndReportsFileLineAndPath()
    {
        WriteConfig(WorkspacePath, Model("alpha"));
        using var holder = Create(new InMemoryUsageLedger(), _ => new FakeChatClient("x"));
        var before = holder.Current;
        Assert.Equal("alpha", Assert.Single(before.Config.Models).Name);

        var failed = Next<ConfigException>(h => holder.ReloadFailed += h);
        var reloads = 0;
        holder.Reloaded += _ => Interlocked.Increment(ref reloads);
        File.WriteAllText(WorkspacePath, "{\n  \"models\": [\n    { \"name\": \"beta\", \"provider\": \"gpt\", \"capabilities\": [\"chat\"] }\n  ]\n}\n");
        var error = await failed.WaitAsync(Wait);

        Assert.Equal(WorkspacePath, error.FilePath);
        Assert.Equal(3, error.Line);
        Assert.Contains("$.models[0].provider", error.JsonPath, StringComparison.Ordinal);
        Assert.StartsWith($"{WorkspacePath}:3:", error.Message, StringComparison.Ordinal);
        Assert.Same(error, holder.LastError);
        Assert.Same(before, holder.Current);
        Assert.Equal(0, Volatile.Read(ref reloads));

        // Fixing the file clears the error.
        var reloaded = Next(h => holder.Reloaded += h);
        WriteConfig(WorkspacePath, Model("gamma"));
        Assert.Equal("gamma", Assert.Single((await reloaded.WaitAsync(Wait)).Config.Models).Name);
        Assert.Null(holder.LastError);
    }

    [Fact]
    public async Task AnInvalidFileAtStartLeavesAnEmptyConfigurationUntilItIsFixed()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(UserPath)!);
        File.WriteAllText(UserPath, "{ \"models\": [ { \"name\": 3 } ] }");
        using var holder = Create(new InMemoryUsageLedger(), _ => new FakeChatClient("x"));
        Assert.NotNull(holder.LastError);
        Assert.Equal(UserPath, holder.LastError!.FilePath);
        Assert.Empty(holder.Current.Config.Models);
        Assert.Equal(0, holder.Generations);

        var reloaded = Next(h => holder.Reloaded += h);
        WriteConfig(UserPath, Model("user-model"));
        Assert.Equal("user-model", Assert.Single((await reloaded.WaitAsync(Wait)).Config.Models).Name);
        Assert.Equal(1, holder.Generations);
    }

    [Fact]
    public async Task AReplacedGenerationIsDisposedAfterTheGracePeriodAndNotWhileLeased()
    {
        var clients = new List<DisposableChat>();
        Directory.CreateDirectory(Path.GetDirectoryName(WorkspacePath)!);
        using var holder = new ReloadingEngramModels(_root, UserPath, WorkspacePath, new ReloadingEngramModelsOptions
        {
            Ledger = new InMemoryUsageLedger(),
            ClientFactory = _ =>
            {
                var client = new DisposableChat();
                lock (clients)
                {
                    clients.Add(client);
                }

                return client;
            },
            Debounce = TimeSpan.FromMilliseconds(20),
            GracePeriod = TimeSpan.FromMilliseconds(200),
            TrustedByClient = true,
        });
        WriteConfig(WorkspacePath, Model("one"));
        await ReloadAndWaitAsync(holder, "one");
        await UseAsync(holder.Current);
        var firstClient = clients[^1];

        using (var lease = holder.Acquire())
        {
            WriteConfig(WorkspacePath, Model("two"));
            await ReloadAndWaitAsync(holder, "two");
            Assert.Equal("one", lease.Models.Config.Models[0].Name);
            Assert.NotEqual("one", holder.Current.Config.Models[0].Name);

            // Well past the grace period the leased generation is still alive and usable.
            await Task.Delay(600);
            Assert.False(firstClient.Disposed);
            Assert.True(holder.RetiredCount >= 1);
            await UseAsync(lease.Models);
        }

        await WaitUntilAsync(() => firstClient.Disposed);
        await WaitUntilAsync(() => holder.RetiredCount == 0);

        // Without a lease, a replaced generation goes after the grace period.
        await UseAsync(holder.Current);
        var secondClient = clients[^1];
        WriteConfig(WorkspacePath, Model("three"));
        await ReloadAndWaitAsync(holder, "three");
        Assert.False(secondClient.Disposed);
        await WaitUntilAsync(() => secondClient.Disposed);
    }

    [Fact]
    public async Task DisposeClosesEveryGenerationButNotALedgerItWasGiven()
    {
        var ledger = new DisposableLedger();
        var client = new DisposableChat();
        WriteConfig(WorkspacePath, Model("one"));
        var holder = Create(ledger, _ => client);
        await UseAsync(holder.Current);
        holder.Dispose();
        Assert.True(client.Disposed);
        Assert.False(ledger.Disposed);
        Assert.Throws<ObjectDisposedException>(() => holder.Acquire());
        holder.Dispose();
    }

    [Fact]
    public async Task AnUntrustedWorkspaceModelIsIgnoredReportedOnceAndHonouredOnceTheUserTrustsTheFolder()
    {
        WriteConfig(WorkspacePath, Model("alpha"));
        using var holder = Create(new InMemoryUsageLedger(), _ => new FakeChatClient("x"), trusted: false);

        Assert.Empty(holder.Current.Config.Models);
        Assert.Null(holder.Current.TryGetChatClient(ModelTask.CodeAction));
        var notice = holder.TakeTrustNotice();
        Assert.NotNull(notice);
        Assert.Equal(["$.models[0] \"alpha\": a model you have not configured (fake)"], notice.Ignored);
        Assert.EndsWith("To trust it: engram trust " + _root, notice.Notice, StringComparison.Ordinal);
        Assert.Null(holder.TakeTrustNotice());

        // Another widening edit: a new generation, still restricted, not reported again.
        var reloaded = Next(h => holder.Reloaded += h);
        WriteConfig(WorkspacePath, Model("beta"));
        var beta = await reloaded.WaitAsync(Wait);
        Assert.Empty(beta.Config.Models);
        Assert.True(beta.Trust!.Restricted);
        Assert.Null(holder.TakeTrustNotice());

        // engram trust edits the user file, which is watched: the next generation honours the workspace.
        reloaded = Next(h => holder.Reloaded += h);
        Directory.CreateDirectory(Path.GetDirectoryName(UserPath)!);
        ConfigFileEditor.Update(UserPath, _ => [new ConfigEdit(["trustedFolders"], new System.Text.Json.Nodes.JsonArray(_root))]);
        var trusted = await reloaded.WaitAsync(Wait);
        Assert.Equal("beta", Assert.Single(trusted.Config.Models).Name);
        Assert.Equal(_root, trusted.Trust!.TrustedFolder);
        Assert.NotNull(trusted.TryGetChatClient(ModelTask.CodeAction));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // Trusted: these tests are about generations; the workspace file adds the models.
    private ReloadingEngramModels Create(IUsageLedger ledger, Func<ModelDefinition, IChatClient> clients, bool trusted = true) =>
        new(_root, UserPath, WorkspacePath, new ReloadingEngramModelsOptions
        {
            Ledger = ledger,
            ClientFactory = clients,
            Debounce = TimeSpan.FromMilliseconds(20),
            TrustedByClient = trusted,
        });

    private static async Task ReloadAndWaitAsync(ReloadingEngramModels holder, string expected)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (holder.Current.Config.Models is not [{ } only] || only.Name != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no reload to '{expected}' within {Wait.TotalSeconds} s");
            var reloaded = Next(h => holder.Reloaded += h);
            if (holder.Current.Config.Models is [{ } now] && now.Name == expected)
            {
                break;
            }

            await Task.WhenAny(reloaded, Task.Delay(TimeSpan.FromSeconds(1)));
        }
    }

    private static async Task UseAsync(EngramModels models)
    {
        var client = models.TryGetChatClient(ModelTask.CodeAction);
        Assert.NotNull(client);
        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }

    private static Task<EngramModels> Next(Action<Action<EngramModels>> subscribe) => Next<EngramModels>(subscribe);

    private static Task<T> Next<T>(Action<Action<T>> subscribe)
    {
        var next = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscribe(value => next.TrySetResult(value));
        return next.Task;
    }

    private static string Model(string name) =>
        $$"""{ "models": [ { "name": "{{name}}", "provider": "fake", "capabilities": ["chat", "code", "review", "fim"] } ] }""";

    private static void WriteConfig(string path, string json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Write then rename, as editors do, so the watcher never reads half a file.
        var temp = path + ".tmp";
        File.WriteAllText(temp, json);
        File.Move(temp, path, overwrite: true);
    }

    private sealed class DisposableChat : IChatClient
    {
        public bool Disposed { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() => Disposed = true;
    }

    private sealed class DisposableLedger : IUsageLedger, IDisposable
    {
        private readonly InMemoryUsageLedger _inner = new();

        public bool Disposed { get; private set; }

        public void Record(UsageEntry entry) => _inner.Record(entry);

        public decimal GetSpentUsd(DateTimeOffset fromUtc, DateTimeOffset toUtc) => _inner.GetSpentUsd(fromUtc, toUtc);

        public IReadOnlyList<UsageEntry> GetEntries() => _inner.GetEntries();

        public IDisposable? TryReserve(DateTimeOffset fromUtc, DateTimeOffset toUtc, decimal amountUsd, decimal capUsd) => _inner.TryReserve(fromUtc, toUtc, amountUsd, capUsd);

        public void Dispose() => Disposed = true;
    }
}
