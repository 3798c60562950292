using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Engram.Mcp.Security;

/// <summary>
/// Guards the Streamable HTTP endpoint: <c>Host</c> and <c>Origin</c> checks against DNS rebinding (only the names
/// the server listens on, and only loopback or same-host origins), a bearer token compared in constant time, and a
/// request size limit (checked on <c>Content-Length</c> here and on the body by Kestrel).
/// </summary>
public static class HttpSecurityMiddleware
{
    /// <summary>The middleware for <paramref name="options"/>; <paramref name="port"/> returns the listening port.</summary>
    public static Func<HttpContext, RequestDelegate, Task> Create(HttpSecurityOptions options, Func<int> port)
    {
        var expected = options.Token is null ? null : Encoding.UTF8.GetBytes(options.Token);
        return async (context, next) =>
        {
            var request = context.Request;
            if (!HostAllowed(request.Host, options.AllowedHosts, port()))
            {
                await RejectAsync(context, StatusCodes.Status403Forbidden, $"Host '{request.Host}' is not allowed (DNS rebinding protection).").ConfigureAwait(false);
                return;
            }

            if (request.Headers.Origin is { Count: > 0 } origins && !OriginAllowed(origins.ToString(), options.AllowedHosts))
            {
                await RejectAsync(context, StatusCodes.Status403Forbidden, $"Origin '{origins}' is not allowed.").ConfigureAwait(false);
                return;
            }

            if (request.ContentLength > options.MaxRequestBytes)
            {
                await RejectAsync(context, StatusCodes.Status413PayloadTooLarge, $"Request body larger than {options.MaxRequestBytes} bytes.").ConfigureAwait(false);
                return;
            }

            if (expected is not null)
            {
                var header = request.Headers.Authorization.ToString();
                var given = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? Encoding.UTF8.GetBytes(header[7..].Trim()) : [];
                if (!CryptographicOperations.FixedTimeEquals(given, expected))
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer realm=\"engram\"";
                    await RejectAsync(context, StatusCodes.Status401Unauthorized, "Missing or wrong bearer token (Authorization: Bearer $ENGRAM_MCP_TOKEN).").ConfigureAwait(false);
                    return;
                }
            }

            await next(context).ConfigureAwait(false);
        };
    }

    /// <summary>True when <paramref name="host"/> names an allowed host and the listening port (or no port).</summary>
    public static bool HostAllowed(HostString host, IReadOnlyList<string> allowed, int port)
    {
        if (!host.HasValue)
        {
            return false;
        }

        var name = host.Host.Trim('[', ']');
        return allowed.Any(a => string.Equals(a.Trim('[', ']'), name, StringComparison.OrdinalIgnoreCase))
            && (host.Port is null || host.Port == port);
    }

    /// <summary>True when <paramref name="origin"/> is an http(s) origin on a loopback or allowed host.</summary>
    public static bool OriginAllowed(string origin, IReadOnlyList<string> allowed)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        var name = uri.Host.Trim('[', ']');
        return uri.IsLoopback && (name is "localhost" or "127.0.0.1" or "::1")
            || allowed.Any(a => string.Equals(a.Trim('[', ']'), name, StringComparison.OrdinalIgnoreCase));
    }

    private static async Task RejectAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = System.Text.Json.JsonSerializer.Serialize(new { jsonrpc = "2.0", error = new { code = -32001, message }, id = (string?)null });
        await context.Response.WriteAsync(body).ConfigureAwait(false);
    }
}
