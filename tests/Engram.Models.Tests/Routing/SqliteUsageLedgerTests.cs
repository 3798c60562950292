using Engram.Models.Configuration;
using Engram.Models.Routing;
using Engram.Models.Tests.Configuration;
using Microsoft.Data.Sqlite;

namespace Engram.Models.Tests.Routing;

public sealed class SqliteUsageLedgerTests
{
    private static readonly DateTimeOffset s_day = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static UsageEntry Entry(double hours, decimal cost, string model = "cloud", UsageOutcome outcome = UsageOutcome.Success) =>
        new(s_day.AddHours(hours), ModelTask.Dialogue, model, 100, 20, cost, 12.5, outcome);

    [Fact]
    public void EntriesSurviveReopenAndSpendIsWindowed()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "state", "usage.db");
        using (var ledger = new SqliteUsageLedger(path))
        {
            ledger.Record(Entry(-1, 5m));
            ledger.Record(Entry(1, 0.1m));
            ledger.Record(Entry(2, 0.2m, "local", UsageOutcome.Failed));
        }

        using var reopened = new SqliteUsageLedger(path);

        Assert.Equal(0.3m, reopened.GetSpentUsd(s_day, s_day.AddDays(1)));
        Assert.Equal(5.3m, reopened.GetSpentUsd(s_day.AddDays(-1), s_day.AddDays(1)));
        Assert.Equal(
            [Entry(-1, 5m), Entry(1, 0.1m), Entry(2, 0.2m, "local", UsageOutcome.Failed)],
            reopened.GetEntries());
    }

    [Fact]
    public void FileUsesWalAndSchemaVersionAndStoresNoText()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "usage.db");
        using (var ledger = new SqliteUsageLedger(path))
        {
            ledger.Record(Entry(1, 0.5m));
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal((long)SqliteUsageLedger.SchemaVersion, Scalar(connection, "PRAGMA user_version"));
        var columns = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM pragma_table_info('usage') ORDER BY cid";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                columns.Add(reader.GetString(0));
            }
        }

        Assert.Equal(["ts", "task", "model", "input_tokens", "output_tokens", "cost_usd", "latency_ms", "outcome", "correlation_id", "budget_scope"], columns);
        Assert.Equal("Dialogue|cloud|Success", Scalar(connection, "SELECT task || '|' || model || '|' || outcome FROM usage"));
    }

    [Fact]
    public void NewerSchemaIsRefused()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "usage.db");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            Scalar(connection, "PRAGMA user_version = 99");
        }

        var e = Assert.Throws<InvalidOperationException>(() => new SqliteUsageLedger(path));
        Assert.Contains("99", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentRecordsAreAllKept()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "usage.db");
        using (var ledger = new SqliteUsageLedger(path))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
            {
                for (var i = 0; i < 50; i++)
                {
                    ledger.Record(Entry(1, 0.01m, "m" + worker));
                }
            })));
            Assert.Equal(400, ledger.GetEntries().Count);
        }

        using var reopened = new SqliteUsageLedger(path);
        Assert.Equal(4m, reopened.GetSpentUsd(s_day, s_day.AddDays(1)));
        Assert.Equal(50, reopened.GetEntries().Count(e => e.Model == "m3"));
    }

    [Fact]
    public async Task ConcurrentReservationsNeverPassTheCap()
    {
        using var folder = new TempFolder();
        using var ledger = new SqliteUsageLedger(Path.Combine(folder.Path, "usage.db"));
        ledger.Record(Entry(1, 0.5m));
        var from = s_day;
        var to = s_day.AddDays(1);
        using var go = new ManualResetEventSlim();

        var reservations = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
        {
            go.Wait();
            return ledger.TryReserve(from, to, 0.1m, 1m);
        })).Append(Task.Run(() => { go.Set(); return (IDisposable?)null; })));

        Assert.Equal(5, reservations.Count(r => r is not null)); // 0.5 spent + 5 × 0.1 = the cap
        Assert.Equal(0.5m, ledger.ReservedUsd);
        foreach (var reservation in reservations)
        {
            reservation?.Dispose();
        }

        Assert.Equal(0m, ledger.ReservedUsd);
        Assert.NotNull(ledger.TryReserve(from, to, 0.5m, 1m));
        Assert.Null(ledger.TryReserve(from, to, 0.01m, 1m));
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
