using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Engram.Models.Embeddings;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// Embeddings on disk, keyed by the SHA-256 of the model id and the exact text, so reruns embed only new or
/// changed texts. One file per corpus: a header, then (32-byte key, <c>dimensions</c> floats) records.
/// </summary>
/// <remarks>Not thread-safe; one instance per corpus and run.</remarks>
internal sealed class EmbeddingCache
{
    private const int Magic = 0x31424d45; // "EMB1"
    private readonly string _path;
    private readonly string _modelId;
    private readonly int _dimensions;
    private readonly Dictionary<string, float[]> _vectors = new(StringComparer.Ordinal);
    private bool _dirty;

    private EmbeddingCache(string path, string modelId, int dimensions)
    {
        _path = path;
        _modelId = modelId;
        _dimensions = dimensions;
    }

    /// <summary>
    /// Loads the cache at <paramref name="path"/>, or starts an empty one when it is missing or for another size.
    /// <paramref name="modelId"/> is part of every key: include whatever changes the vectors (model, truncation).
    /// </summary>
    public static EmbeddingCache Open(string path, string modelId, int dimensions)
    {
        var cache = new EmbeddingCache(path, modelId, dimensions);
        if (!File.Exists(path))
        {
            return cache;
        }

        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.BaseStream.Length < 8 || reader.ReadInt32() != Magic || reader.ReadInt32() != dimensions)
        {
            return cache;
        }

        var recordBytes = 32 + (dimensions * sizeof(float));
        while (reader.BaseStream.Length - reader.BaseStream.Position >= recordBytes)
        {
            var key = Convert.ToHexString(reader.ReadBytes(32));
            var vector = new float[dimensions];
            for (var i = 0; i < dimensions; i++)
            {
                vector[i] = reader.ReadSingle();
            }

            cache._vectors[key] = vector;
        }

        return cache;
    }

    /// <summary>Number of cached vectors.</summary>
    public int Count => _vectors.Count;

    /// <summary>
    /// Returns one vector per text, in order, embedding the texts not in the cache with
    /// <paramref name="embedder"/> (in batches, printing progress to stderr under <paramref name="label"/>).
    /// </summary>
    public float[][] GetOrEmbed(IReadOnlyList<string> texts, OnnxSentenceEmbedder embedder, string label, CancellationToken cancellationToken)
    {
        var keys = texts.Select(Key).ToArray();
        var result = new float[texts.Count][];
        var missing = new List<int>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (_vectors.TryGetValue(keys[i], out var vector))
            {
                result[i] = vector;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count == 0)
        {
            return result;
        }

        // Deduplicate before embedding: identical texts (e.g. repeated boilerplate members) need one inference.
        var unique = missing.GroupBy(i => keys[i], StringComparer.Ordinal).Select(g => g.First()).ToArray();
        Console.Error.WriteLine($"  {label}: embedding {unique.Length} texts ({texts.Count - missing.Count} cached)");
        var watch = Stopwatch.StartNew();
        const int Block = 512;
        for (var start = 0; start < unique.Length; start += Block)
        {
            var block = unique.AsSpan(start, Math.Min(Block, unique.Length - start)).ToArray();
            var vectors = embedder.EmbedBatch(block.Select(i => texts[i]).ToArray(), cancellationToken);
            for (var j = 0; j < block.Length; j++)
            {
                _vectors[keys[block[j]]] = vectors[j];
            }

            _dirty = true;
            var done = start + block.Length;
            Console.Error.WriteLine($"  {label}: {done}/{unique.Length} ({done / Math.Max(0.001, watch.Elapsed.TotalSeconds):F0}/s)");
            if (watch.Elapsed.TotalSeconds > 60 && start / Block % 8 == 7)
            {
                // Long first runs save along the way so an interrupted run keeps its work.
                Save();
            }
        }

        foreach (var i in missing)
        {
            result[i] = _vectors[keys[i]];
        }

        return result;
    }

    /// <summary>Writes the cache when it changed (to a temporary file first, then renames it into place).</summary>
    public void Save()
    {
        if (!_dirty)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temporary = _path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(Magic);
            writer.Write(_dimensions);
            foreach (var (key, vector) in _vectors)
            {
                writer.Write(Convert.FromHexString(key));
                foreach (var value in vector)
                {
                    writer.Write(value);
                }
            }
        }

        File.Move(temporary, _path, overwrite: true);
        _dirty = false;
    }

    private string Key(string text) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(_modelId + "\n" + text)));
}
