namespace Engram.Models.Discovery;

/// <summary>A progress report from <see cref="ModelDownloader.PullAsync"/>.</summary>
/// <param name="BytesReceived">Bytes of the file on disk so far, including bytes resumed from an earlier attempt.</param>
/// <param name="TotalBytes">The full file size in bytes, or null when the server did not say.</param>
/// <param name="BytesPerSecond">Average speed of this attempt in bytes per second (resumed bytes excluded).</param>
public readonly record struct DownloadProgress(long BytesReceived, long? TotalBytes, double BytesPerSecond);
