using Engram.Core.Indexing;
using Engram.Core.Search;
using Engram.Core.Storage;
using Engram.Core.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Engram.Core.Tests.Storage;

/// <summary>
/// Corrupted copies of a real index (issue 11, item 9): every way in — <see cref="EngramStore.Open"/> for reading,
/// for writing and with a check, <see cref="EngramSearcher.Open"/>, <see cref="EngramIndexer.IndexAsync"/> — refuses
/// with a message that names the file and the fix, and the file's bytes are the same afterwards.
/// </summary>
public sealed class CorruptIndexTests : IClassFixture<CorruptIndexTests.HealthyIndex>
{
    private const int PageBytes = 4096;
    private readonly HealthyIndex _index;

    public CorruptIndexTests(HealthyIndex index) => _index = index;

    /// <summary>Each case turns the healthy database's bytes into a corrupt file.</summary>
    public static TheoryData<string> Cases => new(s_corruptions.Keys);

    private static readonly Dictionary<string, Func<byte[], byte[]>> s_corruptions = new(StringComparer.Ordinal)
    {
        ["64 KiB of garbage in the middle"] = b => Overwrite(b, b.Length / 2 - 32 * 1024, Garbage(64 * 1024, 1)),
        ["zero-length file"] = _ => [],
        ["truncated to half its pages"] = b => b[..(b.Length / PageBytes / 2 * PageBytes)],
        ["truncated inside a page"] = b => b[..(b.Length - 1000)],
        ["garbage header"] = b => Overwrite(b, 0, Garbage(100, 2)),
        ["one byte of the magic changed"] = b => Overwrite(b, 0, "sQLite format 3\0"u8.ToArray()),
        ["invalid page size"] = b => Overwrite(b, 16, [0x12, 0x34]),
        // A b-tree page, not a page of blob payload: SQLite cannot see corruption inside a blob.
        ["the files table's root page zeroed"] = b => Overwrite(b, (RootPage(b, "files") - 1) * PageBytes, new byte[PageBytes]),
        ["garbage in the schema page"] = b => Overwrite(b, 100, Garbage(PageBytes - 100, 3)),
        ["garbage in the last page"] = b => Overwrite(b, b.Length - PageBytes, Garbage(PageBytes, 4)),
        ["only the header left"] = b => b[..100],
        ["random bytes"] = _ => Garbage(8 * 1024, 5),
        ["a text file"] = _ => "this is not a database\n"u8.ToArray(),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_way_in_refuses_it_and_leaves_it_untouched(string corruption)
    {
        var folder = Path.Combine(_index.Base, "case-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "engram.db");
        var bytes = s_corruptions[corruption](File.ReadAllBytes(_index.DatabasePath));
        File.WriteAllBytes(path, bytes);

        var refusals = new List<IndexStoreException>
        {
            Assert.Throws<IndexStoreException>(() => EngramStore.Open(path, SharedModels.Encoder.Dimension, create: false)),
            Assert.Throws<IndexStoreException>(() => EngramStore.Open(path, SharedModels.Encoder.Dimension, create: true)),
            Assert.Throws<IndexStoreException>(() => EngramStore.Open(path, SharedModels.Encoder.Dimension, create: false, verify: true)),
            Assert.Throws<IndexStoreException>(() => EngramSearcher.Open(_index.Root, path, SharedModels.Encoder, null)),
            await Assert.ThrowsAsync<IndexStoreException>(() => new EngramIndexer(SharedModels.Encoder, null).IndexAsync(_index.Root, path)),
        };

        foreach (var refusal in refusals)
        {
            Assert.Contains(path, refusal.Message, StringComparison.Ordinal);
            Assert.Contains("engram index", refusal.Message, StringComparison.Ordinal);
            Assert.Contains("not modified", refusal.Message, StringComparison.Ordinal);
        }

        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_healthy_copy_opens()
    {
        using var store = EngramStore.Open(_index.DatabasePath, SharedModels.Encoder.Dimension, create: false, verify: true);
        Assert.True(store.GetStatistics().Chunks > 100);
        Assert.True(new FileInfo(_index.DatabasePath).Length > 64 * 1024 * 4, "the fixture must be large enough for the middle cases");
    }

    [Fact]
    public void A_zero_length_file_is_named_as_empty_not_taken_for_a_new_index()
    {
        var path = Path.Combine(_index.Base, "empty-" + Guid.NewGuid().ToString("n")[..8] + ".db");
        File.WriteAllBytes(path, []);
        var ex = Assert.Throws<IndexStoreException>(() => EngramStore.Open(path, SharedModels.Encoder.Dimension, create: true));
        Assert.Contains("is empty (0 bytes)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public void A_new_index_appears_whole_with_no_temporary_files_left()
    {
        var folder = Path.Combine(_index.Base, "new-" + Guid.NewGuid().ToString("n")[..8]);
        var path = Path.Combine(folder, "engram.db");
        using (var store = EngramStore.Open(path, SharedModels.Encoder.Dimension, create: true))
        {
            Assert.Equal(0, store.GetStatistics().Chunks);
        }

        Assert.Equal(["engram.db"], Directory.GetFiles(folder).Select(Path.GetFileName));
        using var again = EngramStore.Open(path, SharedModels.Encoder.Dimension, create: false, verify: true);
    }

    [Fact]
    public void An_empty_sqlite_file_is_still_taken_for_a_new_index()
    {
        // What an older Engram left when killed between creating the file and its first transaction.
        var path = Path.Combine(_index.Base, "blank-" + Guid.NewGuid().ToString("n")[..8] + ".db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL";
            command.ExecuteNonQuery();
        }

        using var store = EngramStore.Open(path, SharedModels.Encoder.Dimension, create: true);
        Assert.Equal(EngramStore.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), Pragma(path, "user_version"));
    }

    private static string Pragma(string path, string name)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + name;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    // The root page number of `table`, read from a copy of the healthy database.
    private static int RootPage(byte[] healthy, string table)
    {
        var copy = Path.Combine(Path.GetTempPath(), "engram-rootpage-" + Guid.NewGuid().ToString("n") + ".db");
        File.WriteAllBytes(copy, healthy);
        try
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT rootpage FROM sqlite_master WHERE name = $name";
            command.Parameters.AddWithValue("$name", table);
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    private static byte[] Overwrite(byte[] bytes, int offset, byte[] with)
    {
        var copy = bytes.ToArray();
        with.CopyTo(copy, offset);
        return copy;
    }

    private static byte[] Garbage(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A real lexical index of 80 C# files, built once; the cases corrupt copies of it.</summary>
    public sealed class HealthyIndex : IDisposable
    {
        public HealthyIndex()
        {
            Base = Path.Combine(Path.GetTempPath(), "engram-tests", "corrupt-" + Guid.NewGuid().ToString("n")[..12]);
            Root = Path.Combine(Base, "root");
            for (var i = 0; i < 80; i++)
            {
                var file = Path.Combine(Root, $"Module{i:00}", $"Service{i:00}.cs");
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, Source(i));
            }

            DatabasePath = Path.Combine(Base, "healthy", "engram.db");
            new EngramIndexer(SharedModels.Encoder, null).IndexAsync(Root, DatabasePath).GetAwaiter().GetResult();
        }

        public string Base { get; }

        public string Root { get; }

        public string DatabasePath { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Base, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private static string Source(int i) => $$"""
            namespace Demo.Module{{i}};

            /// <summary>Service {{i}} computes values for module {{i}}.</summary>
            public sealed class Service{{i:00}}
            {
                /// <summary>Returns the square of {{i}} plus the argument.</summary>
                public int Square(int x) => {{i}} * {{i}} + x;

                /// <summary>Describes service {{i}} with a prefix.</summary>
                public string Describe(string prefix) => prefix + ": service {{i}}, a text long enough to fill pages {{i}} {{i * 7}} {{i * 13}}.";

                /// <summary>Counts down from {{i}}.</summary>
                public IEnumerable<int> Countdown()
                {
                    for (var k = {{i}}; k >= 0; k--)
                    {
                        yield return k;
                    }
                }
            }
            """;
    }
}
