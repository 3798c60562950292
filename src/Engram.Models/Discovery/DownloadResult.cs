namespace Engram.Models.Discovery;

/// <summary>A finished download.</summary>
/// <param name="Path">The destination path the file now has.</param>
/// <param name="SizeBytes">Its size in bytes.</param>
/// <param name="Sha256">Its SHA-256 as 64 lower-case hex digits.</param>
/// <param name="Resumed">Whether this call continued an earlier partial download.</param>
public sealed record DownloadResult(string Path, long SizeBytes, string Sha256, bool Resumed);
