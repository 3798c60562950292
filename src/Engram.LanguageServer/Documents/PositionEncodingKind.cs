namespace Engram.LanguageServer.Documents;

/// <summary>LSP 3.17 <c>PositionEncodingKind</c>: the unit of <c>Position.character</c>.</summary>
internal enum PositionEncodingKind
{
    /// <summary><c>utf-16</c>: UTF-16 code units (the LSP default, and .NET's string unit).</summary>
    Utf16,

    /// <summary><c>utf-8</c>: UTF-8 bytes.</summary>
    Utf8,
}
