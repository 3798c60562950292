using Engram.Features.Hosting;
using Engram.Features.Tests.Dialogue;
using Engram.Features.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Engram.Features.Tests.Hosting;

/// <summary>
/// A server restarted while its first build was running finds a sound database that no build completed: that is
/// reported once as progress (the background build completes it), not as an error telling the user to run
/// 'engram index' (issue 16).
/// </summary>
public sealed class IncompleteIndexTests
{
    [Fact]
    public async Task An_interrupted_first_build_is_not_an_error_and_the_next_update_completes_it()
    {
        await using var indexed = await IndexedWorkspace.CreateAsync(new Dictionary<string, string>
        {
            ["src/Invoice.cs"] = "public class Invoice { public decimal Total() => 42m; }\n",
        });
        var database = indexed.Workspace.GetStatus().Single().DatabasePath;
        await indexed.Workspace.DisposeAsync();

        // What an interrupted first build leaves: the schema and some rows, but no encoder_version yet.
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM meta WHERE key = 'encoder_version'";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        var logger = new ScopeCapturingLogger();
        using var factory = new SingleLoggerFactory(logger);
        await using var restarted = new EngramWorkspace(
            new EngramWorkspaceOptions([indexed.Repo.Root], IndexDirectory: indexed.IndexDirectory, LexicalOnly: true), factory);

        Assert.Empty(await restarted.SearchAsync("invoice total"));
        Assert.Empty(await restarted.SearchAsync("invoice total"));
        var before = restarted.GetStatus().Single();
        Assert.False(before.Indexed);
        Assert.Null(before.Error);
        var messages = logger.Lines.Select(l => l.Message).ToList();
        Assert.Single(messages, m => m.Contains("not complete yet", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains("Run 'engram index'", StringComparison.Ordinal));

        await restarted.UpdateIndexAsync();
        Assert.True(restarted.GetStatus().Single().Indexed);
        Assert.Contains(await restarted.SearchAsync("invoice total"), h => h.Path.EndsWith("Invoice.cs", StringComparison.Ordinal));
    }

    private sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}
