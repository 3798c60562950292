namespace Engram.LanguageServer.Framing;

/// <summary>What the lifecycle gate decides for one incoming message.</summary>
/// <param name="Forward">True to hand the message to the dispatcher.</param>
/// <param name="ErrorCode">For a rejected request: the JSON-RPC error code to answer with; null drops the message silently (notifications).</param>
/// <param name="ErrorMessage">The error's message.</param>
internal readonly record struct MessageVerdict(bool Forward, int? ErrorCode = null, string? ErrorMessage = null)
{
    public static MessageVerdict Accept { get; } = new(true);

    public static MessageVerdict Drop { get; } = new(false);

    public static MessageVerdict Reject(int code, string message) => new(false, code, message);
}
