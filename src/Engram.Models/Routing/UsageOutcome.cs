namespace Engram.Models.Routing;

/// <summary>How a model call ended.</summary>
public enum UsageOutcome
{
    /// <summary>The model answered.</summary>
    Success,

    /// <summary>The call threw (error, timeout, 429, 5xx …).</summary>
    Failed,

    /// <summary>The caller cancelled; not an error.</summary>
    Cancelled,

    /// <summary>A budget refused the call before it was sent; nothing was spent.</summary>
    Refused,
}
