using System.Text;
using Engram.Models.Discovery;

namespace Engram.Models.Tests.Discovery;

/// <summary>Writes small synthetic GGUF files: a header and metadata key/value pairs, no tensors.</summary>
public sealed class GgufBuilder
{
    private readonly MemoryStream _pairs = new();
    private readonly BinaryWriter _writer;
    private ulong _count;

    public GgufBuilder() => _writer = new BinaryWriter(_pairs, Encoding.UTF8, leaveOpen: true);

    public GgufBuilder Add(string key, GgufValueType type, Action<BinaryWriter> writeValue)
    {
        WriteString(_writer, key);
        _writer.Write((uint)type);
        writeValue(_writer);
        _count++;
        return this;
    }

    public GgufBuilder String(string key, string value) => Add(key, GgufValueType.String, w => WriteString(w, value));

    public GgufBuilder UInt32(string key, uint value) => Add(key, GgufValueType.UInt32, w => w.Write(value));

    public GgufBuilder StringArray(string key, params string[] values) => Add(key, GgufValueType.Array, w =>
    {
        w.Write((uint)GgufValueType.String);
        w.Write((ulong)values.Length);
        foreach (var value in values)
        {
            WriteString(w, value);
        }
    });

    /// <summary>The file bytes; <paramref name="kvCount"/> overrides the pair count written in the header.</summary>
    public byte[] Build(uint version = 3, string magic = "GGUF", ulong tensorCount = 0, ulong? kvCount = null)
    {
        using var file = new MemoryStream();
        using (var w = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Encoding.ASCII.GetBytes(magic));
            w.Write(version);
            w.Write(tensorCount);
            w.Write(kvCount ?? _count);
            _writer.Flush();
            w.Write(_pairs.ToArray());
        }

        return file.ToArray();
    }

    public static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }
}
