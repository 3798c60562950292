using Engram.LanguageServer.Protocol;

namespace Engram.LanguageServer.Server;

/// <summary>Reports one work-done progress; reports are throttled to one per 100 ms; <see cref="End"/> is idempotent.</summary>
internal sealed class ProgressReporter
{
    private readonly ClientChannel? _client;
    private readonly string? _token;
    private long _lastReport;
    private int _ended;

    public ProgressReporter(ClientChannel? client, string? token)
    {
        _client = client;
        _token = token;
    }

    public static ProgressReporter None { get; } = new(null, null);

    public string? Token => _token;

    public void Report(string? message, int? percentage = null)
    {
        if (_client is null || _token is null || Volatile.Read(ref _ended) != 0)
        {
            return;
        }

        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastReport);
        if (now - last < 100 || Interlocked.CompareExchange(ref _lastReport, now, last) != last)
        {
            return;
        }

        _client.Notify("$/progress", new ProgressParams(_token, new WorkDoneProgressReport(message, percentage is { } p ? Math.Clamp(p, 0, 100) : null)));
    }

    public void End(string? message = null)
    {
        if (_client is null || _token is null || Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        _client.Notify("$/progress", new ProgressParams(_token, new WorkDoneProgressEnd(message)));
    }
}
