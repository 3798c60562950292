using System.Diagnostics;
using System.Globalization;
using Engram.Models.Configuration;
using Microsoft.Data.Sqlite;

namespace Engram.Models.Routing;

/// <summary>
/// An <see cref="IUsageLedger"/> persisted in a SQLite file (WAL journal), so daily budgets survive restarts and
/// <c>engram models usage</c> can summarise past calls.
/// </summary>
/// <remarks>
/// <para>Schema version 2 (<c>PRAGMA user_version</c>): one table
/// <c>usage(ts, task, model, input_tokens, output_tokens, cost_usd, latency_ms, outcome, correlation_id, budget_scope)</c> with
/// <c>ts</c> in Unix milliseconds UTC (so timestamps read back are truncated to the millisecond), <c>task</c> and
/// <c>outcome</c> as enum names, <c>cost_usd</c> as a REAL (sums are read back as decimals rounded to 15 significant
/// digits). <c>correlation_id</c> is <see cref="UsageEntry.CorrelationId"/>, else the trace id of <see cref="Activity.Current"/>
/// when there is one, else NULL; <see cref="GetEntries"/> reads it back. <c>budget_scope</c> (indexed) is
/// <see cref="UsageEntry.BudgetScope"/>; version 1 files are migrated by adding that column (NULL for old rows).
/// Prompts, replies and keys are never stored.</para>
/// <para>Thread-safe: one connection guarded by one lock, which <see cref="TryReserve"/> also holds while it adds the
/// in-memory reservations to the spend it reads from the table. Reservations are per process: two processes sharing a
/// file each see the other's recorded spend, not its reservations in flight.</para>
/// </remarks>
public sealed class SqliteUsageLedger : IUsageLedger, IDisposable
{
    /// <summary>The schema version this class writes and reads.</summary>
    public const int SchemaVersion = 2;

    private readonly Lock _lock = new();
    private readonly SqliteConnection _connection;
    private readonly ReservationBook _book;
    private bool _disposed;

    /// <summary>Opens (creating when absent, with its folder) the ledger file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer schema version.</exception>
    /// <exception cref="SqliteException">The file is not a SQLite database or cannot be opened.</exception>
    public SqliteUsageLedger(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        Path = path;
        _book = new ReservationBook(_lock);
        // No pooling: disposing the ledger must release the file (tests delete it; users may move it).
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            _connection.Open();
            Execute("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;");
            Migrate();
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <summary>The ledger file.</summary>
    public string Path { get; }

    /// <summary>The total USD currently reserved and not yet released.</summary>
    public decimal ReservedUsd
    {
        get
        {
            lock (_lock)
            {
                return _book.ReservedUsd;
            }
        }
    }

    /// <inheritdoc />
    public void Record(UsageEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var correlationId = entry.CorrelationId ?? (Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToHexString() : null);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO usage (ts, task, model, input_tokens, output_tokens, cost_usd, latency_ms, outcome, correlation_id, budget_scope)
                VALUES ($ts, $task, $model, $input, $output, $cost, $latency, $outcome, $correlation, $scope)
                """;
            command.Parameters.AddWithValue("$ts", entry.TimestampUtc.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$task", entry.Task.ToString());
            command.Parameters.AddWithValue("$model", entry.Model);
            command.Parameters.AddWithValue("$input", entry.InputTokens);
            command.Parameters.AddWithValue("$output", entry.OutputTokens);
            command.Parameters.AddWithValue("$cost", (double)entry.CostUsd);
            command.Parameters.AddWithValue("$latency", entry.LatencyMs);
            command.Parameters.AddWithValue("$outcome", entry.Outcome.ToString());
            command.Parameters.AddWithValue("$correlation", (object?)correlationId ?? DBNull.Value);
            command.Parameters.AddWithValue("$scope", (object?)entry.BudgetScope ?? DBNull.Value);
            command.ExecuteNonQuery();
        }
    }

    /// <inheritdoc />
    public decimal GetSpentUsd(DateTimeOffset fromUtc, DateTimeOffset toUtc)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return SpentLocked(fromUtc, toUtc);
        }
    }

    /// <inheritdoc />
    public IDisposable? TryReserve(DateTimeOffset fromUtc, DateTimeOffset toUtc, decimal amountUsd, decimal capUsd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amountUsd);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _book.TryReserve(fromUtc, toUtc, amountUsd, capUsd, SpentLocked(fromUtc, toUtc));
        }
    }

    /// <inheritdoc />
    public decimal GetScopeSpentUsd(string budgetScope)
    {
        ArgumentException.ThrowIfNullOrEmpty(budgetScope);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ScopeSpentLocked(budgetScope);
        }
    }

    /// <inheritdoc />
    public IDisposable? TryReserveScope(string budgetScope, decimal amountUsd, decimal capUsd)
    {
        ArgumentException.ThrowIfNullOrEmpty(budgetScope);
        ArgumentOutOfRangeException.ThrowIfNegative(amountUsd);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _book.TryReserveScope(budgetScope, amountUsd, capUsd, ScopeSpentLocked(budgetScope));
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<UsageEntry> GetEntries()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT ts, task, model, input_tokens, output_tokens, cost_usd, latency_ms, outcome, correlation_id, budget_scope FROM usage ORDER BY rowid";
            using var reader = command.ExecuteReader();
            var entries = new List<UsageEntry>();
            while (reader.Read())
            {
                entries.Add(new UsageEntry(
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                    Enum.Parse<ModelTask>(reader.GetString(1)),
                    reader.GetString(2),
                    reader.GetInt64(3),
                    reader.GetInt64(4),
                    ToDecimal(reader.GetDouble(5)),
                    reader.GetDouble(6),
                    Enum.Parse<UsageOutcome>(reader.GetString(7)))
                {
                    CorrelationId = reader.IsDBNull(8) ? null : reader.GetString(8),
                    BudgetScope = reader.IsDBNull(9) ? null : reader.GetString(9),
                });
            }

            return entries;
        }
    }

    /// <summary>Closes the file. Reservations still held are forgotten.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _book.Clear();
            _connection.Dispose();
        }
    }

    private decimal SpentLocked(DateTimeOffset fromUtc, DateTimeOffset toUtc)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT TOTAL(cost_usd) FROM usage WHERE ts >= $from AND ts < $to";
        command.Parameters.AddWithValue("$from", fromUtc.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$to", toUtc.ToUnixTimeMilliseconds());
        return ToDecimal(Convert.ToDouble(command.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    private decimal ScopeSpentLocked(string budgetScope)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT TOTAL(cost_usd) FROM usage WHERE budget_scope = $scope";
        command.Parameters.AddWithValue("$scope", budgetScope);
        return ToDecimal(Convert.ToDouble(command.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    // The explicit conversion rounds to 15 significant digits, which undoes REAL's binary noise (0.1 + 0.2).
    private static decimal ToDecimal(double value) => (decimal)value;

    private void Migrate()
    {
        using var read = _connection.CreateCommand();
        read.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"{Path}: usage ledger schema version {version} is newer than this Engram understands ({SchemaVersion}).");
        }

        if (version == SchemaVersion)
        {
            return;
        }

        using var transaction = _connection.BeginTransaction();
        using var create = _connection.CreateCommand();
        create.Transaction = transaction;
        create.CommandText = version == 1
            ? $"""
            ALTER TABLE usage ADD COLUMN budget_scope TEXT;
            CREATE INDEX IF NOT EXISTS usage_budget_scope ON usage (budget_scope);
            PRAGMA user_version = {SchemaVersion};
            """
            : $"""
            CREATE TABLE IF NOT EXISTS usage (
                ts INTEGER NOT NULL,
                task TEXT NOT NULL,
                model TEXT NOT NULL,
                input_tokens INTEGER NOT NULL,
                output_tokens INTEGER NOT NULL,
                cost_usd REAL NOT NULL,
                latency_ms REAL NOT NULL,
                outcome TEXT NOT NULL,
                correlation_id TEXT,
                budget_scope TEXT
            );
            CREATE INDEX IF NOT EXISTS usage_ts ON usage (ts);
            CREATE INDEX IF NOT EXISTS usage_budget_scope ON usage (budget_scope);
            PRAGMA user_version = {SchemaVersion};
            """;
        create.ExecuteNonQuery();
        transaction.Commit();
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
