using System.Buffers.Binary;
using System.Text;

namespace Engram.Models.Discovery;

/// <summary>
/// Forward-only little-endian reader over a stream that knows its absolute byte offset, so that every
/// error can name where the file went wrong.
/// </summary>
/// <remarks>Not thread-safe. Skips use <see cref="Stream.Seek"/> when the stream can seek.</remarks>
internal sealed class GgufReader
{
    private readonly Stream _stream;
    private readonly string _source;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private long _bufferOffset;

    public GgufReader(Stream stream, string source)
    {
        _stream = stream;
        _source = source;
        _bufferOffset = stream.CanSeek ? stream.Position : 0;
    }

    /// <summary>The absolute offset of the next unread byte.</summary>
    public long Offset => _bufferOffset + _start;

    /// <summary>Bytes left in the stream, or null when the stream cannot tell.</summary>
    public long? Remaining => _stream.CanSeek ? _stream.Length - Offset : null;

    /// <summary>Moves a seekable stream back to <see cref="Offset"/>, giving up what was read ahead.</summary>
    public void ReturnReadAhead()
    {
        if (_stream.CanSeek)
        {
            _stream.Position = Offset;
        }
    }

    public InvalidDataException Error(long offset, string problem) =>
        new($"{_source}: invalid GGUF at byte offset {offset}: {problem}");

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>Reads a GGUF string whose length must be at most <paramref name="maxLength"/> bytes.</summary>
    public string ReadString(int maxLength)
    {
        var at = Offset;
        var length = ReadLength(at);
        if (length > (ulong)maxLength)
        {
            throw Error(at, $"string of {length} bytes is longer than the {maxLength} allowed here");
        }

        return Encoding.UTF8.GetString(Take((int)length));
    }

    /// <summary>
    /// Reads a GGUF string's bytes when it is at most <paramref name="maxBytes"/> long (at most the
    /// 64 KiB buffer) and skips it otherwise; <paramref name="skipped"/> says which. The span is valid
    /// until the next read.
    /// </summary>
    public ReadOnlySpan<byte> ReadOrSkipString(int maxBytes, out bool skipped)
    {
        var at = Offset;
        var length = ReadLength(at);
        skipped = length > (ulong)maxBytes;
        if (!skipped)
        {
            return Take((int)length);
        }

        Skip(length, at);
        return default;
    }

    /// <summary>Reads a string length and checks it against what is left in the stream.</summary>
    public ulong ReadLength(long at)
    {
        var length = ReadUInt64();
        EnsureAvailable(length, at, "string");
        return length;
    }

    /// <summary>Throws when the stream is known to hold fewer than <paramref name="bytes"/> more bytes.</summary>
    public void EnsureAvailable(ulong bytes, long at, string what)
    {
        if (Remaining is { } remaining && bytes > (ulong)Math.Max(0, remaining))
        {
            throw Error(at, $"{what} of {bytes} bytes runs past the end of the file ({remaining} bytes left)");
        }
    }

    public void Skip(ulong count, long at)
    {
        var buffered = (ulong)(_end - _start);
        if (count <= buffered)
        {
            _start += (int)count;
            return;
        }

        count -= buffered;
        _bufferOffset += _end;
        _start = _end = 0;
        if (_stream.CanSeek)
        {
            EnsureAvailable(count, at, "value");
            _bufferOffset = _stream.Seek((long)count, SeekOrigin.Current);
            return;
        }

        while (count > 0)
        {
            var read = _stream.Read(_buffer, 0, (int)Math.Min(count, (ulong)_buffer.Length));
            if (read == 0)
            {
                throw Error(Offset, "the file ends early (truncated)");
            }

            _bufferOffset += read;
            count -= (ulong)read;
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_end - _start < count)
        {
            Fill(count);
        }

        var span = new ReadOnlySpan<byte>(_buffer, _start, count);
        _start += count;
        return span;
    }

    private void Fill(int count)
    {
        // Callers cap string lengths below the buffer size; this guards against a future caller that does not.
        if (count > _buffer.Length)
        {
            throw Error(Offset, $"a value of {count} bytes is too large to read");
        }

        var kept = _end - _start;
        Buffer.BlockCopy(_buffer, _start, _buffer, 0, kept);
        _bufferOffset += _start;
        _start = 0;
        _end = kept;
        while (_end < count)
        {
            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                throw Error(_bufferOffset + _end, $"the file ends early (truncated): needed {count - _end} more bytes");
            }

            _end += read;
        }
    }
}
