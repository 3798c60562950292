using Engram.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Engram.Core.Tests.Storage;

public sealed class EngramStoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "engram-tests", "store-" + Guid.NewGuid().ToString("n")[..12]);

    public EngramStoreTests() => Directory.CreateDirectory(_folder);

    [Fact]
    public void MissingDatabaseWithoutCreateNamesThePath()
    {
        var path = Path.Combine(_folder, "none.db");
        var ex = Assert.Throws<IndexStoreException>(() => EngramStore.Open(path, 1536, create: false));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void CorruptDatabaseIsRefusedAndLeftUntouched()
    {
        var path = Path.Combine(_folder, "corrupt.db");
        var garbage = new byte[8192];
        new Random(42).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);

        var ex = Assert.Throws<IndexStoreException>(() => EngramStore.Open(path, 1536, create: true));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(path));
    }

    [Fact]
    public void ForeignDatabaseIsRefusedAndLeftUntouched()
    {
        var path = Path.Combine(_folder, "foreign.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers(name) VALUES ('Ada');";
            command.ExecuteNonQuery();
        }

        var before = File.ReadAllBytes(path);
        var ex = Assert.Throws<IndexStoreException>(() => EngramStore.Open(path, 1536, create: true));
        Assert.Contains("not an Engram index", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void NewerSchemaIsRefused()
    {
        var path = Path.Combine(_folder, "newer.db");
        EngramStore.Open(path, 1536, create: true).Dispose();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {EngramStore.SchemaVersion + 1}";
            command.ExecuteNonQuery();
        }

        var ex = Assert.Throws<IndexStoreException>(() => EngramStore.Open(path, 1536, create: false));
        Assert.Contains("newer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DimensionMismatchIsRefused()
    {
        var path = Path.Combine(_folder, "dim.db");
        EngramStore.Open(path, 1536, create: true).Dispose();
        Assert.Throws<IndexStoreException>(() => EngramStore.Open(path, 2048, create: false));
    }

    [Fact]
    public void NewStoreHasSchemaVersionAndApplicationId()
    {
        var path = Path.Combine(_folder, "new.db");
        using var store = EngramStore.Open(path, 1536, create: true);
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA application_id";
        Assert.Equal((long)EngramStore.ApplicationId, (long)command.ExecuteScalar()!);
        command.CommandText = "PRAGMA user_version";
        Assert.Equal((long)EngramStore.SchemaVersion, (long)command.ExecuteScalar()!);
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string)command.ExecuteScalar()!);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
