using System.Text;
using Engram.Files;

namespace Engram.Models.Discovery;

/// <summary>
/// What the header of a GGUF file says about its model: architecture, name, quantization, context
/// length, size hints, vocabulary size and whether the vocabulary has fill-in-the-middle tokens.
/// </summary>
/// <remarks>
/// Reading stops at the end of the metadata: tensor infos and tensor data are never read. Array values
/// are skipped element by element (seeking when the stream can) and never kept; the token array is
/// scanned for FIM tokens on the way. Only little-endian GGUF versions 2 and 3 are accepted.
/// Instances are immutable and thread-safe.
/// </remarks>
public sealed class GgufHeader
{
    /// <summary>Strings longer than this (e.g. very long chat templates) are skipped and left out of <see cref="Metadata"/>.</summary>
    public const int MaxMetadataStringBytes = 32 * 1024;

    // Keys are short in practice (a few dozen bytes); a long one means a malformed file.
    private const int MaxKeyBytes = 4096;

    private static readonly byte[][] s_fimPrefixTokens =
    [
        "<|fim_prefix|>"u8.ToArray(), "<fim_prefix>"u8.ToArray(), "<fim-prefix>"u8.ToArray(),
        "<PRE>"u8.ToArray(), "\u2581<PRE>"u8.ToArray(),
    ];

    private GgufHeader(uint version, ulong tensorCount, IReadOnlyDictionary<string, object> metadata, string? fimPrefixToken, bool hasChatTemplate)
    {
        HasChatTemplate = hasChatTemplate;
        Version = version;
        TensorCount = tensorCount;
        Metadata = metadata;
        FimPrefixToken = fimPrefixToken;
    }

    /// <summary>The GGUF format version: 2 or 3.</summary>
    public uint Version { get; }

    /// <summary>The number of tensors the file declares.</summary>
    public ulong TensorCount { get; }

    /// <summary>
    /// Every metadata value by key: numbers as their GGUF type (<see cref="uint"/>, <see cref="float"/>, …),
    /// <see cref="bool"/>, <see cref="string"/> (up to <see cref="MaxMetadataStringBytes"/>), and arrays as a
    /// <see cref="GgufArray"/> (type and length only).
    /// </summary>
    public IReadOnlyDictionary<string, object> Metadata { get; }

    /// <summary><c>general.architecture</c>, e.g. <c>"llama"</c> or <c>"qwen2"</c>; null when absent.</summary>
    public string? Architecture => Metadata.GetValueOrDefault("general.architecture") as string;

    /// <summary><c>general.name</c>; null when absent.</summary>
    public string? Name => Metadata.GetValueOrDefault("general.name") as string;

    /// <summary><c>general.file_type</c> (llama.cpp's <c>llama_ftype</c>); null when absent.</summary>
    public uint? FileType => GetUInt("general.file_type");

    /// <summary>The quantization name of <see cref="FileType"/> (e.g. <c>"Q4_K_M"</c>, <c>"F16"</c>); null when absent.</summary>
    public string? Quantization => FileType is { } fileType ? GgufFileTypes.GetName(fileType) : null;

    /// <summary><c>{architecture}.context_length</c>: the training context in tokens; null when absent.</summary>
    public ulong? ContextLength => GetArchitectureUInt("context_length");

    /// <summary><c>{architecture}.embedding_length</c>: the hidden size; null when absent.</summary>
    public ulong? EmbeddingLength => GetArchitectureUInt("embedding_length");

    /// <summary><c>{architecture}.block_count</c>: the number of layers; null when absent.</summary>
    public ulong? BlockCount => GetArchitectureUInt("block_count");

    /// <summary><c>general.size_label</c>, e.g. <c>"0.5B"</c>; null when absent.</summary>
    public string? SizeLabel => Metadata.GetValueOrDefault("general.size_label") as string;

    /// <summary>The length of <c>tokenizer.ggml.tokens</c>; null when the file has no vocabulary.</summary>
    public ulong? VocabularySize => Metadata.GetValueOrDefault("tokenizer.ggml.tokens") is GgufArray tokens ? tokens.Count : null;

    /// <summary>
    /// The first FIM prefix token found in the vocabulary (<c>&lt;|fim_prefix|&gt;</c>, <c>&lt;fim_prefix&gt;</c>,
    /// <c>&lt;fim-prefix&gt;</c>, <c>&lt;PRE&gt;</c> or <c>▁&lt;PRE&gt;</c>); null when there is none.
    /// </summary>
    public string? FimPrefixToken { get; }

    /// <summary>
    /// Whether the file has a <c>tokenizer.chat_template</c> string (true also when it was too long to keep in
    /// <see cref="Metadata"/>): the model was tuned to chat.
    /// </summary>
    public bool HasChatTemplate { get; }

    /// <summary>Whether the vocabulary has a fill-in-the-middle prefix token (see <see cref="FimPrefixToken"/>).</summary>
    public bool HasFimTokens => FimPrefixToken is not null;

    /// <summary>
    /// Reads the header of the GGUF file at <paramref name="path"/>. Throws <see cref="InvalidDataException"/>
    /// naming the file and byte offset when it is not GGUF or is malformed or truncated, and the usual I/O
    /// exceptions when it cannot be opened.
    /// </summary>
    public static GgufHeader Read(string path)
    {
        // A configured model path may name a pipe or a device: only a regular file is opened (never blocking).
        using var stream = WorkspaceFile.OpenRead(path, null, long.MaxValue);
        return Read(stream, path);
    }

    /// <summary>
    /// Reads a GGUF header from the current position of <paramref name="stream"/>, leaving a seekable stream
    /// positioned after the metadata (at the tensor infos; a non-seekable one is read up to 64 KiB further). <paramref name="sourceName"/> names the stream
    /// in errors. Throws <see cref="InvalidDataException"/> naming the source and byte offset when the data
    /// is not GGUF or is malformed or truncated.
    /// </summary>
    public static GgufHeader Read(Stream stream, string sourceName = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new GgufReader(stream, sourceName);
        var start = reader.Offset;
        var magic = reader.ReadUInt32();
        if (magic != 0x46554747)
        {
            throw reader.Error(start, $"bad magic 0x{magic:X8}; expected \"GGUF\"");
        }

        var versionAt = reader.Offset;
        var version = reader.ReadUInt32();
        if (version is not (2 or 3))
        {
            var hint = version is 0x02000000 or 0x03000000 ? " (big-endian GGUF is not supported)" : "";
            throw reader.Error(versionAt, $"unsupported GGUF version {version}{hint}; expected 2 or 3");
        }

        var tensorCount = reader.ReadUInt64();
        var countAt = reader.Offset;
        var kvCount = reader.ReadUInt64();

        // Each pair takes at least 8 (key length) + 4 (type) + 1 (value) bytes.
        reader.EnsureAvailable(kvCount > ulong.MaxValue / 13 ? ulong.MaxValue : kvCount * 13, countAt, $"metadata of {kvCount} key/value pairs");
        var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
        string? fimPrefixToken = null;
        var hasChatTemplate = false;
        for (ulong i = 0; i < kvCount; i++)
        {
            var key = reader.ReadString(MaxKeyBytes);
            var typeAt = reader.Offset;
            var type = ReadType(reader, typeAt);
            if (type == GgufValueType.Array)
            {
                metadata[key] = ReadArray(reader, scanForFim: key == "tokenizer.ggml.tokens", ref fimPrefixToken);
            }
            else
            {
                hasChatTemplate |= type == GgufValueType.String && key == "tokenizer.chat_template";
                if (ReadScalar(reader, type) is { } value)
                {
                    metadata[key] = value;
                }
            }
        }

        reader.ReturnReadAhead();
        return new GgufHeader(version, tensorCount, metadata, fimPrefixToken, hasChatTemplate);
    }

    private uint? GetUInt(string key) => Metadata.GetValueOrDefault(key) switch
    {
        uint value => value,
        int value when value >= 0 => (uint)value,
        ulong value when value <= uint.MaxValue => (uint)value,
        _ => null,
    };

    private ulong? GetArchitectureUInt(string suffix)
    {
        if (Architecture is not { } architecture)
        {
            return null;
        }

        return Metadata.GetValueOrDefault($"{architecture}.{suffix}") switch
        {
            uint value => value,
            ulong value => value,
            int value when value >= 0 => (ulong)value,
            long value when value >= 0 => (ulong)value,
            ushort value => value,
            _ => null,
        };
    }

    private static GgufValueType ReadType(GgufReader reader, long at)
    {
        var type = reader.ReadUInt32();
        if (type > (uint)GgufValueType.Float64)
        {
            throw reader.Error(at, $"unknown value type {type}");
        }

        return (GgufValueType)type;
    }

    // Returns null for a string too long to keep (it is skipped).
    private static object? ReadScalar(GgufReader reader, GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => reader.ReadByte(),
        GgufValueType.Int8 => (sbyte)reader.ReadByte(),
        GgufValueType.UInt16 => reader.ReadUInt16(),
        GgufValueType.Int16 => (short)reader.ReadUInt16(),
        GgufValueType.UInt32 => reader.ReadUInt32(),
        GgufValueType.Int32 => (int)reader.ReadUInt32(),
        GgufValueType.Float32 => reader.ReadSingle(),
        GgufValueType.Bool => ReadBool(reader),
        GgufValueType.String => ReadMetadataString(reader),
        GgufValueType.UInt64 => reader.ReadUInt64(),
        GgufValueType.Int64 => (long)reader.ReadUInt64(),
        GgufValueType.Float64 => reader.ReadDouble(),
        _ => throw new InvalidOperationException($"not a scalar type: {type}"),
    };

    private static bool ReadBool(GgufReader reader)
    {
        var at = reader.Offset;
        return reader.ReadByte() switch
        {
            0 => false,
            1 => true,
            var other => throw reader.Error(at, $"bool value {other}; expected 0 or 1"),
        };
    }

    private static string? ReadMetadataString(GgufReader reader)
    {
        var bytes = reader.ReadOrSkipString(MaxMetadataStringBytes, out var skipped);
        return skipped ? null : Encoding.UTF8.GetString(bytes);
    }

    private static GgufArray ReadArray(GgufReader reader, bool scanForFim, ref string? fimPrefixToken)
    {
        var typeAt = reader.Offset;
        var elementType = ReadType(reader, typeAt);
        var countAt = reader.Offset;
        var count = reader.ReadUInt64();
        var fixedSize = FixedSize(elementType);
        if (fixedSize > 0)
        {
            var bytes = count > ulong.MaxValue / (ulong)fixedSize ? ulong.MaxValue : count * (ulong)fixedSize;
            reader.EnsureAvailable(bytes, countAt, $"array of {count} {elementType} values");
            reader.Skip(bytes, countAt);
            return new GgufArray(elementType, count);
        }

        // Strings take at least 8 bytes and arrays at least 12: a count beyond that is malformed.
        var minimum = elementType == GgufValueType.String ? 8UL : 12UL;
        reader.EnsureAvailable(count > ulong.MaxValue / minimum ? ulong.MaxValue : count * minimum, countAt, $"array of {count} {elementType} values");
        for (ulong i = 0; i < count; i++)
        {
            if (elementType == GgufValueType.String)
            {
                var token = reader.ReadOrSkipString(64, out _);
                if (scanForFim && fimPrefixToken is null && !token.IsEmpty)
                {
                    fimPrefixToken = MatchFimPrefix(token);
                }
            }
            else
            {
                string? ignored = null;
                ReadArray(reader, scanForFim: false, ref ignored);
            }
        }

        return new GgufArray(elementType, count);
    }

    private static string? MatchFimPrefix(ReadOnlySpan<byte> token)
    {
        foreach (var candidate in s_fimPrefixTokens)
        {
            if (token.SequenceEqual(candidate))
            {
                return Encoding.UTF8.GetString(candidate);
            }
        }

        return null;
    }

    private static int FixedSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
        _ => 0,
    };
}
