namespace Engram.Models.Discovery;

/// <summary>The type tag of a GGUF metadata value, as written in the file (a little-endian <c>uint32</c>).</summary>
public enum GgufValueType : uint
{
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 0,

    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 1,

    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 2,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 3,

    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 4,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 5,

    /// <summary>IEEE 754 single-precision float.</summary>
    Float32 = 6,

    /// <summary>One byte, 0 or 1.</summary>
    Bool = 7,

    /// <summary>A <c>uint64</c> byte length followed by that many UTF-8 bytes (no terminator).</summary>
    String = 8,

    /// <summary>A <c>uint32</c> element type, a <c>uint64</c> count, then the elements.</summary>
    Array = 9,

    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 10,

    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 11,

    /// <summary>IEEE 754 double-precision float.</summary>
    Float64 = 12,
}
