using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Anthropic.Exceptions;
using Engram.Models.Routing;
using OllamaSharp.Models.Exceptions;

namespace Engram.Models.Providers.Remote;

/// <summary>Turns provider failures into <see cref="ModelProviderException"/>s whose messages hold no secrets.</summary>
internal static partial class ProviderErrors
{
    private const int MaxBodyChars = 512;
    private const string Redacted = "[REDACTED]";

    /// <summary>The exception for an HTTP error response; <paramref name="body"/> is the start of its body, if any.</summary>
    public static ModelProviderException FromStatus(string modelName, HttpStatusCode status, TimeSpan? retryAfter, string? body, string? secret)
    {
        var message = $"Model \"{modelName}\": the provider answered HTTP {(int)status} ({status})";
        if (retryAfter is { } delay)
        {
            message += $", retry after {delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";
        }

        if (!string.IsNullOrWhiteSpace(body))
        {
            message += ": " + Truncate(body.Trim());
        }

        return new ModelProviderException(Redact(message, secret), status, retryAfter);
    }

    /// <summary>
    /// Maps a known SDK or transport failure to a <see cref="ModelProviderException"/>; null for anything else
    /// (programming errors, cancellation), which callers let through unchanged.
    /// </summary>
    public static ModelProviderException? Map(Exception exception, string modelName, string? secret)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ModelProviderException provider)
            {
                return provider; // Thrown by ProviderHttpErrorHandler, possibly wrapped by the SDK.
            }
        }

        HttpStatusCode? status = exception switch
        {
            ClientResultException { Status: > 0 } c => (HttpStatusCode)c.Status,
            AnthropicApiException a => a.StatusCode,
            HttpRequestException h => h.StatusCode,
            // A malformed body from the provider is the provider's failure, not ours: no status, so not transient.
            ClientResultException or AnthropicException or OllamaException or IOException or System.Text.Json.JsonException => null,
            _ => (HttpStatusCode?)(-1),
        };
        if (status == (HttpStatusCode)(-1))
        {
            return null;
        }

        var message = Redact($"Model \"{modelName}\": {Truncate(exception.Message)}", secret);
        // The inner exception is kept for diagnostics unless the SDK put the key somewhere in it.
        var inner = secret is not null && exception.ToString().Contains(secret, StringComparison.Ordinal) ? null : exception;
        return new ModelProviderException(message, status, retryAfter: null, inner);
    }

    /// <summary>The delay of a <c>retry-after-ms</c> or <c>Retry-After</c> header (seconds or HTTP date), or null.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider timeProvider)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        return response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - timeProvider.GetUtcNow() is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero,
            _ => null,
        };
    }

    /// <summary>Removes <paramref name="secret"/> and anything shaped like a bearer token or API key.</summary>
    public static string Redact(string text, string? secret)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            text = text.Replace(secret, Redacted, StringComparison.Ordinal);
        }

        return KeyLike().Replace(text, m => m.Groups["prefix"].Value + Redacted);
    }

    private static string Truncate(string text) => text.Length <= MaxBodyChars ? text : text[..MaxBodyChars] + "…";

    [GeneratedRegex(@"(?<prefix>(?i:bearer)\s+)[A-Za-z0-9._~+/=-]{8,}|(?<prefix>)\b(?:sk|pk|gsk|xai)-[A-Za-z0-9_-]{8,}")]
    private static partial Regex KeyLike();
}
