using System.Net;

namespace Engram.Models.Routing;

/// <summary>
/// A provider call failed with an HTTP status; providers wrap their SDK errors in it so that
/// <see cref="FallbackChatClient"/> can honour <see cref="RetryAfter"/> without knowing the SDK.
/// </summary>
/// <remarks>The message must never contain an API key or request headers.</remarks>
public sealed class ModelProviderException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelProviderException(string message, HttpStatusCode? statusCode = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status, or null when the failure was not an HTTP response.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The server's Retry-After delay, or null when it sent none.</summary>
    public TimeSpan? RetryAfter { get; }
}
