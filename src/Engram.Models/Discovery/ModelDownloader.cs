using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Engram.Models.Discovery;

/// <summary>
/// Downloads model files over HTTP(S): streams to <c>DESTINATION.partial</c>, resumes an interrupted download
/// with a <c>Range</c> request, verifies SHA-256, and renames into place only when complete.
/// </summary>
/// <remarks>
/// This is the only type in <c>Engram.Models</c> that opens a network connection, and only when a caller asks
/// for a pull. A failed or cancelled pull keeps the partial file so the next call resumes it; a checksum
/// mismatch deletes it. The partial file is opened exclusively, so a second concurrent pull of the same
/// destination fails with an <see cref="IOException"/> rather than corrupting it. Instances are thread-safe for
/// different destinations.
/// </remarks>
public sealed class ModelDownloader
{
    /// <summary>The suffix of the file a download streams into before it is complete and verified.</summary>
    public const string PartialSuffix = ".partial";

    private static readonly TimeSpan s_progressInterval = TimeSpan.FromMilliseconds(100);

    private readonly HttpClient _httpClient;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a downloader over <paramref name="httpClient"/> (whose timeout and handler the caller owns).</summary>
    public ModelDownloader(HttpClient httpClient, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _httpClient = httpClient;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="destinationPath"/> (creating its folder), resuming from
    /// <c>destinationPath.partial</c> when one exists. When the server answers a range request with 206 the
    /// download continues; with 200 (range ignored) it restarts from byte 0; with 416 a partial file that is
    /// already complete is kept, any other is discarded and the download restarts.
    /// </summary>
    /// <param name="url">The file to download.</param>
    /// <param name="destinationPath">Where the finished file goes; an existing file there is replaced.</param>
    /// <param name="sha256">The expected SHA-256 as 64 hex digits (any case), or null to skip verification.</param>
    /// <param name="progress">Receives reports about every 100 ms and once at the end; may be null.</param>
    /// <param name="cancellationToken">Cancels the download, keeping the partial file for a later resume.</param>
    /// <returns>The final path, size and SHA-256 of the file.</returns>
    /// <exception cref="ArgumentException"><paramref name="sha256"/> is not 64 hex digits.</exception>
    /// <exception cref="HttpRequestException">The server answered with an error status.</exception>
    /// <exception cref="IOException">The connection ended early (the partial file is kept), or the file system failed.</exception>
    /// <exception cref="InvalidDataException">The SHA-256 does not match; the message gives expected and actual, and the partial file is deleted.</exception>
    public async Task<DownloadResult> PullAsync(
        Uri url,
        string destinationPath,
        string? sha256,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        var expected = sha256 is null ? null : NormalizeSha256(sha256);
        var destination = Path.GetFullPath(destinationPath);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var partial = destination + PartialSuffix;

        // At most one restart: after a 416 for an unusable partial file, or a 206 for the wrong range.
        for (var attempt = 0; ; attempt++)
        {
            var existing = File.Exists(partial) ? new FileInfo(partial).Length : 0;
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (existing > 0)
            {
                request.Headers.Range = new RangeHeaderValue(existing, null);
            }

            using var response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (existing > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                if (response.Content.Headers.ContentRange?.Length == existing)
                {
                    return await FinishAsync(url, partial, destination, expected, existing, resumed: true, progress, cancellationToken).ConfigureAwait(false);
                }

                File.Delete(partial);
                ThrowIfRetried(attempt, url);
                continue;
            }

            response.EnsureSuccessStatusCode();
            var resumed = existing > 0 && response.StatusCode == HttpStatusCode.PartialContent;
            long? total;
            if (resumed)
            {
                var range = response.Content.Headers.ContentRange;
                if (range?.From != existing)
                {
                    File.Delete(partial);
                    ThrowIfRetried(attempt, url);
                    continue;
                }

                total = range.Length;
            }
            else
            {
                existing = 0;
                total = response.Content.Headers.ContentLength;
            }

            var received = await CopyAsync(response, partial, existing, total, progress, cancellationToken).ConfigureAwait(false);
            if (total is { } expectedLength && received != expectedLength)
            {
                throw new IOException($"{url}: the connection ended after {received} of {expectedLength} bytes; {partial} is kept and the next pull resumes it.");
            }

            return await FinishAsync(url, partial, destination, expected, received, resumed, progress: null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<long> CopyAsync(
        HttpResponseMessage response,
        string partial,
        long existing,
        long? total,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var lastReport = started;
        var received = existing;
        await using var file = new FileStream(partial, existing > 0 ? FileMode.Open : FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
        file.Position = existing;
        file.SetLength(existing);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                received += read;
                if (progress is not null && _timeProvider.GetElapsedTime(lastReport) >= s_progressInterval)
                {
                    lastReport = _timeProvider.GetTimestamp();
                    progress.Report(new DownloadProgress(received, total, Speed(received - existing, started)));
                }
            }
        }
        finally
        {
            // Whatever arrived stays on disk for the next resume, even when the connection dropped.
            await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            progress?.Report(new DownloadProgress(received, total, Speed(received - existing, started)));
        }

        return received;
    }

    private static async Task<DownloadResult> FinishAsync(
        Uri url,
        string partial,
        string destination,
        string? expected,
        long size,
        bool resumed,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        string actual;
        await using (var file = new FileStream(partial, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, useAsync: true))
        {
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
        }

        if (expected is not null && actual != expected)
        {
            File.Delete(partial);
            throw new InvalidDataException($"{url}: SHA-256 mismatch: expected {expected}, actual {actual}; the download was deleted.");
        }

        File.Move(partial, destination, overwrite: true);
        progress?.Report(new DownloadProgress(size, size, 0));
        return new DownloadResult(destination, size, actual, resumed);
    }

    private double Speed(long bytes, long started)
    {
        var seconds = _timeProvider.GetElapsedTime(started).TotalSeconds;
        return seconds > 0 ? bytes / seconds : 0;
    }

    private static void ThrowIfRetried(int attempt, Uri url)
    {
        if (attempt > 0)
        {
            throw new IOException($"{url}: the server did not honour the resume request twice; giving up.");
        }
    }

    private static string NormalizeSha256(string sha256)
    {
        var value = sha256.Trim().ToLowerInvariant();
        if (value.Length != 64 || value.AsSpan().ContainsAnyExcept("0123456789abcdef"))
        {
            throw new ArgumentException($"expected 64 hex digits; got \"{sha256}\"", nameof(sha256));
        }

        return value;
    }
}
