using Engram.Core.Graph;
using Microsoft.Data.Sqlite;

namespace Engram.Core.Storage;

/// <summary>The code-graph tables of the store: <c>symbols</c> and <c>edges</c>, keyed by root-relative path.</summary>
public sealed partial class EngramStore
{
    /// <summary>Version of the graph extraction; a store whose <c>graph_version</c> differs is rebuilt by the indexer.</summary>
    public const string GraphVersion = "1";

    /// <summary>Symbols whose name or name path matches, at most <paramref name="limit"/>, ordered by path and line.</summary>
    /// <param name="name">A simple name, or a '/'-joined name path (last segments matched); '*' is a wildcard.</param>
    /// <param name="pathPrefix">Only files under this root-relative prefix, or null.</param>
    /// <param name="limit">Most rows returned.</param>
    public List<GraphSymbol> FindSymbols(string name, string? pathPrefix, int limit)
    {
        var segments = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var last = segments.Length == 0 ? "*" : segments[^1];
        // Names compare without the overload suffix unless the caller wrote one.
        var lastColumn = last.Contains('[', StringComparison.Ordinal) ? "substr(name_path, length(name_path) - length($last) + 1)" : "name";
        using var command = Command($"""
            SELECT key, name, name_path, kind, path, start_line, end_line, selection_line, signature, doc, parent FROM symbols
            WHERE {lastColumn} GLOB $last AND ($prefix IS NULL OR path = $prefix OR path GLOB $prefixGlob)
              AND ($pathSuffix IS NULL OR name_path GLOB $pathSuffix)
            ORDER BY path, start_line LIMIT $limit
            """);
        command.Parameters.AddWithValue("$last", EscapeGlob(last, keepStar: true));
        AddPrefix(command, pathPrefix);
        object suffix = segments.Length > 1 ? "*" + EscapeGlob(string.Join('/', segments), keepStar: true) : DBNull.Value;
        command.Parameters.AddWithValue("$pathSuffix", suffix);
        command.Parameters.AddWithValue("$limit", limit);
        return ReadSymbols(command);
    }

    /// <summary>The declaration parts of the symbol with <paramref name="key"/>.</summary>
    public List<GraphSymbol> SymbolsByKey(string key)
    {
        using var command = Command("SELECT key, name, name_path, kind, path, start_line, end_line, selection_line, signature, doc, parent FROM symbols WHERE key = $key ORDER BY path, start_line");
        command.Parameters.AddWithValue("$key", key);
        return ReadSymbols(command);
    }

    /// <summary>The symbols whose parent is <paramref name="parentKey"/>, ordered by path and line.</summary>
    public List<GraphSymbol> ChildSymbols(string parentKey)
    {
        using var command = Command("SELECT key, name, name_path, kind, path, start_line, end_line, selection_line, signature, doc, parent FROM symbols WHERE parent = $key ORDER BY path, start_line");
        command.Parameters.AddWithValue("$key", parentKey);
        return ReadSymbols(command);
    }

    /// <summary>Every symbol of the files under <paramref name="pathPrefix"/> (a file path or a folder), ordered by path and line.</summary>
    public List<GraphSymbol> SymbolsUnder(string? pathPrefix)
    {
        using var command = Command("""
            SELECT key, name, name_path, kind, path, start_line, end_line, selection_line, signature, doc, parent FROM symbols
            WHERE $prefix IS NULL OR path = $prefix OR path GLOB $prefixGlob ORDER BY path, start_line
            """);
        AddPrefix(command, pathPrefix);
        return ReadSymbols(command);
    }

    /// <summary>The edges into <paramref name="toKey"/>, optionally only of some kinds, ordered by path, line and column.</summary>
    public List<GraphEdge> EdgesTo(string toKey, IReadOnlyCollection<string>? kinds = null)
    {
        using var command = Command("SELECT path, from_key, line, col, to_key, kind, resolved FROM edges WHERE to_key = $key ORDER BY path, line, col");
        command.Parameters.AddWithValue("$key", toKey);
        return ReadEdges(command).Where(e => kinds is null || kinds.Contains(e.Kind)).ToList();
    }

    /// <summary>Every edge held for the files under <paramref name="pathPrefix"/> (null: all), ordered by path, line, column, target.</summary>
    public List<GraphEdge> EdgesUnder(string? pathPrefix)
    {
        using var command = Command("""
            SELECT path, from_key, line, col, to_key, kind, resolved FROM edges
            WHERE $prefix IS NULL OR path = $prefix OR path GLOB $prefixGlob ORDER BY path, line, col, to_key, kind
            """);
        AddPrefix(command, pathPrefix);
        return ReadEdges(command);
    }

    /// <summary>Distinct symbol names, for "did you mean" suggestions.</summary>
    public List<string> SymbolNames()
    {
        using var command = Command("SELECT DISTINCT name FROM symbols");
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Root-relative paths of the files that have graph rows.</summary>
    public HashSet<string> GraphPaths()
    {
        using var command = Command("SELECT path FROM symbols UNION SELECT path FROM edges");
        using var reader = command.ExecuteReader();
        var paths = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            paths.Add(reader.GetString(0));
        }

        return paths;
    }

    // Replaces the graph rows of each file; called inside ApplyBatch's transaction.
    private void WriteGraphs(IReadOnlyList<FileGraph> graphs, SqliteTransaction transaction)
    {
        using var deleteSymbols = Command("DELETE FROM symbols WHERE path = $path", transaction);
        using var deleteEdges = Command("DELETE FROM edges WHERE path = $path", transaction);
        using var insertSymbol = Command("""
            INSERT INTO symbols(key, name, name_path, kind, path, start_line, end_line, selection_line, signature, doc, parent)
            VALUES ($key, $name, $namePath, $kind, $path, $start, $end, $selection, $signature, $doc, $parent)
            """, transaction);
        using var insertEdge = Command("""
            INSERT INTO edges(path, from_key, line, col, to_key, kind, resolved) VALUES ($path, $from, $line, $col, $to, $kind, $resolved)
            """, transaction);
        foreach (var graph in graphs)
        {
            deleteSymbols.Parameters.Clear();
            deleteSymbols.Parameters.AddWithValue("$path", graph.Path);
            deleteSymbols.ExecuteNonQuery();
            deleteEdges.Parameters.Clear();
            deleteEdges.Parameters.AddWithValue("$path", graph.Path);
            deleteEdges.ExecuteNonQuery();
            foreach (var s in graph.Symbols)
            {
                insertSymbol.Parameters.Clear();
                insertSymbol.Parameters.AddWithValue("$key", s.Key);
                insertSymbol.Parameters.AddWithValue("$name", s.Name);
                insertSymbol.Parameters.AddWithValue("$namePath", s.NamePath);
                insertSymbol.Parameters.AddWithValue("$kind", s.Kind);
                insertSymbol.Parameters.AddWithValue("$path", s.Path);
                insertSymbol.Parameters.AddWithValue("$start", s.StartLine);
                insertSymbol.Parameters.AddWithValue("$end", s.EndLine);
                insertSymbol.Parameters.AddWithValue("$selection", s.SelectionLine);
                insertSymbol.Parameters.AddWithValue("$signature", s.Signature);
                insertSymbol.Parameters.AddWithValue("$doc", (object?)s.Doc ?? DBNull.Value);
                insertSymbol.Parameters.AddWithValue("$parent", (object?)s.Parent ?? DBNull.Value);
                insertSymbol.ExecuteNonQuery();
            }

            foreach (var e in graph.Edges)
            {
                insertEdge.Parameters.Clear();
                insertEdge.Parameters.AddWithValue("$path", e.Path);
                insertEdge.Parameters.AddWithValue("$from", (object?)e.FromKey ?? DBNull.Value);
                insertEdge.Parameters.AddWithValue("$line", e.Line);
                insertEdge.Parameters.AddWithValue("$col", e.Column);
                insertEdge.Parameters.AddWithValue("$to", e.ToKey);
                insertEdge.Parameters.AddWithValue("$kind", e.Kind);
                insertEdge.Parameters.AddWithValue("$resolved", e.Resolved ? 1 : 0);
                insertEdge.ExecuteNonQuery();
            }
        }
    }

    private static void AddPrefix(SqliteCommand command, string? pathPrefix)
    {
        var prefix = string.IsNullOrEmpty(pathPrefix) || pathPrefix == "." ? null : pathPrefix.TrimEnd('/');
        command.Parameters.AddWithValue("$prefix", (object?)prefix ?? DBNull.Value);
        command.Parameters.AddWithValue("$prefixGlob", prefix is null ? DBNull.Value : EscapeGlob(prefix, keepStar: false) + "/*");
    }

    // GLOB is case-sensitive and treats *, ? and [ as special: escape all but (optionally) '*'.
    private static string EscapeGlob(string text, bool keepStar)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '?' or '[' or ']' || (c == '*' && !keepStar))
            {
                builder.Append('[').Append(c).Append(']');
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static List<GraphSymbol> ReadSymbols(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var result = new List<GraphSymbol>();
        while (reader.Read())
        {
            result.Add(new GraphSymbol(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7), reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return result;
    }

    private static List<GraphEdge> ReadEdges(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var result = new List<GraphEdge>();
        while (reader.Read())
        {
            result.Add(new GraphEdge(
                reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                reader.GetString(4), reader.GetString(5), reader.GetInt32(6) != 0));
        }

        return result;
    }
}
