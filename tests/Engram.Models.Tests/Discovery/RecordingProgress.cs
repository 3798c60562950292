using Engram.Models.Discovery;

namespace Engram.Models.Tests.Discovery;

/// <summary>Records reports synchronously (unlike <see cref="Progress{T}"/>, which posts them later).</summary>
public sealed class RecordingProgress : IProgress<DownloadProgress>
{
    private readonly List<DownloadProgress> _reports = [];

    public IReadOnlyList<DownloadProgress> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public void Report(DownloadProgress value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }
    }
}
