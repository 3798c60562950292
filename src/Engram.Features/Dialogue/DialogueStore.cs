using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Engram.Features.Dialogue;

/// <summary>One completed turn as stored.</summary>
/// <param name="Seq">0-based execution slot (parallel turns of a group take consecutive slots in declared order).</param>
/// <param name="TurnId">Turn id in the mode.</param>
/// <param name="Round">1-based round (rounds repeat the mode's turns for convergence and judging).</param>
/// <param name="Role">Role.</param>
/// <param name="Phase">Phase name.</param>
/// <param name="RequestedModel">The participant's intended model, or null when the router chose.</param>
/// <param name="Model">The model that answered.</param>
/// <param name="Substitution">Why another model answered (the failure of the intended one), or null.</param>
/// <param name="Prompt">The prompt sent.</param>
/// <param name="Output">The turn's output (sub-dialogue results merged in).</param>
/// <param name="InputTokens">Input tokens (reported, else estimated).</param>
/// <param name="OutputTokens">Output tokens (reported, else estimated).</param>
/// <param name="Cost">Cost in USD.</param>
/// <param name="LatencyMs">Wall-clock milliseconds of the turn.</param>
/// <param name="Score">Judge score parsed from the output, or null.</param>
/// <param name="Similarity">Similarity to the same turn's previous output (convergence turns), or null.</param>
/// <param name="Completed">When it was committed (UTC).</param>
public sealed record StoredTurn(
    int Seq, string TurnId, int Round, string Role, string Phase, string? RequestedModel, string Model, string? Substitution, string Prompt, string Output,
    long InputTokens, long OutputTokens, decimal Cost, double LatencyMs, double? Score, double? Similarity, DateTimeOffset Completed);

/// <summary>One stored dialogue's header.</summary>
internal sealed record StoredDialogue(
    string Id, string? ParentId, string Mode, string ModeJson, string Topic, DialogueStatus Status, decimal? MaxCost, string? ModelsCsv, int Depth,
    DateTimeOffset Created, string? Error);

/// <summary>
/// The dialogue database (SQLite, WAL, <c>application_id</c> "ENGD", <c>user_version</c> = schema version): one row per
/// dialogue, one per committed turn. Each turn is committed in its own transaction, so a crash loses at most the
/// turns in flight. Thread-safe (one connection per call).
/// </summary>
internal sealed class DialogueStore
{
    public const int ApplicationId = 0x454E4744;
    public const int SchemaVersion = 1;
    private readonly string _connectionString;

    public DialogueStore(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        Path_ = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var c = Open();
        var appId = Convert.ToInt32(Scalar(c, "PRAGMA application_id"), CultureInfo.InvariantCulture);
        var version = Convert.ToInt32(Scalar(c, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        var hasTables = Convert.ToInt64(Scalar(c, "SELECT count(*) FROM sqlite_master"), CultureInfo.InvariantCulture) > 0;
        if ((appId != 0 && appId != ApplicationId) || (appId == 0 && hasTables))
        {
            throw new InvalidOperationException($"'{path}' is not an Engram dialogue database (application_id {appId:x}); refusing to touch it.");
        }

        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"'{path}' was written by a newer Engram (schema {version} > {SchemaVersion}).");
        }

        Execute(c, "PRAGMA journal_mode=WAL");
        if (version == 0)
        {
            using var tx = c.BeginTransaction();
            Execute(c, """
                CREATE TABLE dialogues (
                  id TEXT PRIMARY KEY, parent_id TEXT, mode TEXT NOT NULL, mode_json TEXT NOT NULL, topic TEXT NOT NULL,
                  status TEXT NOT NULL, max_cost TEXT, models TEXT, depth INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, error TEXT);
                CREATE TABLE turns (
                  dialogue_id TEXT NOT NULL REFERENCES dialogues(id), seq INTEGER NOT NULL, turn_id TEXT NOT NULL, round INTEGER NOT NULL,
                  role TEXT NOT NULL, phase TEXT NOT NULL, requested_model TEXT, model TEXT NOT NULL, substitution TEXT, prompt TEXT NOT NULL,
                  output TEXT NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost TEXT NOT NULL, latency_ms REAL NOT NULL,
                  score REAL, similarity REAL, completed TEXT NOT NULL, PRIMARY KEY (dialogue_id, seq));
                CREATE INDEX dialogues_parent ON dialogues(parent_id);
                """, tx);
            Execute(c, $"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {SchemaVersion}", tx);
            tx.Commit();
        }
    }

    public string Path_ { get; }

    public void CreateDialogue(StoredDialogue d)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO dialogues (id, parent_id, mode, mode_json, topic, status, max_cost, models, depth, created, updated)
            VALUES ($id, $parent, $mode, $json, $topic, $status, $max, $models, $depth, $created, $created)
            """;
        cmd.Parameters.AddWithValue("$id", d.Id);
        cmd.Parameters.AddWithValue("$parent", (object?)d.ParentId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$mode", d.Mode);
        cmd.Parameters.AddWithValue("$json", d.ModeJson);
        cmd.Parameters.AddWithValue("$topic", d.Topic);
        cmd.Parameters.AddWithValue("$status", d.Status.ToString());
        cmd.Parameters.AddWithValue("$max", d.MaxCost is { } m ? m.ToString(CultureInfo.InvariantCulture) : DBNull.Value);
        cmd.Parameters.AddWithValue("$models", (object?)d.ModelsCsv ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$depth", d.Depth);
        cmd.Parameters.AddWithValue("$created", d.Created.ToString("O", CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
    }

    public void SetStatus(string id, DialogueStatus status, string? error)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE dialogues SET status = $s, error = $e, updated = $u WHERE id = $id";
        cmd.Parameters.AddWithValue("$s", status.ToString());
        cmd.Parameters.AddWithValue("$e", (object?)error ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$u", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        cmd.Parameters.AddWithValue("$id", id);
        cmd.ExecuteNonQuery();
    }

    public void AddTurn(string dialogueId, StoredTurn t)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO turns (dialogue_id, seq, turn_id, round, role, phase, requested_model, model, substitution, prompt, output,
              input_tokens, output_tokens, cost, latency_ms, score, similarity, completed)
            VALUES ($d, $seq, $tid, $round, $role, $phase, $req, $model, $sub, $prompt, $output, $in, $out, $cost, $lat, $score, $sim, $done);
            UPDATE dialogues SET updated = $done WHERE id = $d;
            """;
        cmd.Parameters.AddWithValue("$d", dialogueId);
        cmd.Parameters.AddWithValue("$seq", t.Seq);
        cmd.Parameters.AddWithValue("$tid", t.TurnId);
        cmd.Parameters.AddWithValue("$round", t.Round);
        cmd.Parameters.AddWithValue("$role", t.Role);
        cmd.Parameters.AddWithValue("$phase", t.Phase);
        cmd.Parameters.AddWithValue("$req", (object?)t.RequestedModel ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$model", t.Model);
        cmd.Parameters.AddWithValue("$sub", (object?)t.Substitution ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$prompt", t.Prompt);
        cmd.Parameters.AddWithValue("$output", t.Output);
        cmd.Parameters.AddWithValue("$in", t.InputTokens);
        cmd.Parameters.AddWithValue("$out", t.OutputTokens);
        cmd.Parameters.AddWithValue("$cost", t.Cost.ToString(CultureInfo.InvariantCulture));
        cmd.Parameters.AddWithValue("$lat", t.LatencyMs);
        cmd.Parameters.AddWithValue("$score", t.Score is { } s ? s : DBNull.Value);
        cmd.Parameters.AddWithValue("$sim", t.Similarity is { } sim ? sim : DBNull.Value);
        cmd.Parameters.AddWithValue("$done", t.Completed.ToString("O", CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
        tx.Commit();
    }

    public StoredDialogue? GetDialogue(string id) => QueryDialogues("WHERE id = $p", id).FirstOrDefault();

    public IReadOnlyList<StoredDialogue> ListDialogues(bool includeChildren) =>
        QueryDialogues(includeChildren ? "" : "WHERE parent_id IS NULL", null);

    public IReadOnlyList<StoredDialogue> Children(string parentId) => QueryDialogues("WHERE parent_id = $p", parentId);

    public IReadOnlyList<StoredTurn> GetTurns(string dialogueId)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT seq, turn_id, round, role, phase, requested_model, model, substitution, prompt, output, input_tokens, output_tokens,
              cost, latency_ms, score, similarity, completed FROM turns WHERE dialogue_id = $d ORDER BY seq
            """;
        cmd.Parameters.AddWithValue("$d", dialogueId);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredTurn>();
        while (r.Read())
        {
            list.Add(new StoredTurn(
                r.GetInt32(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6),
                r.IsDBNull(7) ? null : r.GetString(7), r.GetString(8), r.GetString(9), r.GetInt64(10), r.GetInt64(11),
                decimal.Parse(r.GetString(12), CultureInfo.InvariantCulture), r.GetDouble(13), r.IsDBNull(14) ? null : r.GetDouble(14),
                r.IsDBNull(15) ? null : r.GetDouble(15), DateTimeOffset.Parse(r.GetString(16), CultureInfo.InvariantCulture)));
        }

        return list;
    }

    private List<StoredDialogue> QueryDialogues(string where, string? p)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT id, parent_id, mode, mode_json, topic, status, max_cost, models, depth, created, error FROM dialogues {where} ORDER BY created DESC, id DESC";
        if (p is not null)
        {
            cmd.Parameters.AddWithValue("$p", p);
        }

        using var r = cmd.ExecuteReader();
        var list = new List<StoredDialogue>();
        while (r.Read())
        {
            list.Add(new StoredDialogue(
                r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
                Enum.Parse<DialogueStatus>(r.GetString(5)), r.IsDBNull(6) ? null : decimal.Parse(r.GetString(6), CultureInfo.InvariantCulture),
                r.IsDBNull(7) ? null : r.GetString(7), r.GetInt32(8), DateTimeOffset.Parse(r.GetString(9), CultureInfo.InvariantCulture),
                r.IsDBNull(10) ? null : r.GetString(10)));
        }

        return list;
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        Execute(c, "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL");
        return c;
    }

    private static object? Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static void Execute(SqliteConnection c, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
