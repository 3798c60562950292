using System.Net;
using System.Security.Cryptography;
using Engram.Mcp.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Engram.Mcp.Hosting;

/// <summary>Settings of the Streamable HTTP transport.</summary>
/// <param name="Host">Address to listen on (<c>127.0.0.1</c>, <c>::1</c>, <c>localhost</c>; others need <paramref name="AllowRemote"/>).</param>
/// <param name="Port">Port (0: any free port, printed to stderr).</param>
/// <param name="Token">Bearer token; null when <paramref name="NoAuth"/>.</param>
/// <param name="NoAuth">Accept requests without a token (loopback only).</param>
/// <param name="AllowRemote">Allow a non-loopback listening address.</param>
public sealed record McpHttpOptions(string Host, int Port, string? Token, bool NoAuth = false, bool AllowRemote = false)
{
    /// <summary>The path of the MCP endpoint.</summary>
    public const string Path = "/mcp";

    /// <summary>A random 256-bit token, base64url.</summary>
    public static string GenerateToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Serves Engram's MCP server over Streamable HTTP (ASP.NET Core, Kestrel) with <see cref="HttpSecurityMiddleware"/>.</summary>
public static class EngramMcpHttp
{
    /// <summary>
    /// Listens until <paramref name="cancellationToken"/> fires. Writes <c>engram mcp: listening on URL</c> to stderr
    /// once ready (<paramref name="started"/> also receives the URL).
    /// </summary>
    /// <exception cref="ArgumentException">A non-loopback address without <see cref="McpHttpOptions.AllowRemote"/>, no token without <see cref="McpHttpOptions.NoAuth"/>, or <see cref="McpHttpOptions.NoAuth"/> off loopback.</exception>
    public static async Task RunAsync(EngramMcpServices engram, McpHttpOptions http, LogLevel logLevel, Action<Uri>? started, CancellationToken cancellationToken)
    {
        var addresses = ResolveAddresses(http.Host);
        var loopback = addresses.All(IPAddress.IsLoopback);
        if (!loopback && !http.AllowRemote)
        {
            throw new ArgumentException($"'{http.Host}' is not a loopback address; pass --allow-remote to listen on it (and keep the token secret).");
        }

        if (http.NoAuth && !loopback)
        {
            throw new ArgumentException("--no-auth is only allowed on a loopback address.");
        }

        if (http.Token is null && !http.NoAuth)
        {
            throw new ArgumentException("A bearer token is required (set ENGRAM_MCP_TOKEN, or let engram generate one).");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        const long maxRequestBytes = 4 * 1024 * 1024;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = maxRequestBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            foreach (var address in addresses)
            {
                kestrel.Listen(address, http.Port);
            }
        });
        // Sessions for clients on the initialize handshake (2025-11-25 and earlier: today's agents), stateless for
        // 2026-07-28 clients, on the same endpoint.
        builder.Services.AddEngramMcpServer(engram).WithHttpTransport(o => o.SessionMode = ModelContextProtocol.AspNetCore.HttpServerSessionMode.StatefulForInitializeClients);
        await using var app = builder.Build();
        var port = http.Port;
        var allowedHosts = new List<string> { "localhost", "127.0.0.1", "::1", http.Host };
        app.Use(HttpSecurityMiddleware.Create(new HttpSecurityOptions(http.NoAuth ? null : http.Token, allowedHosts, maxRequestBytes), () => port));
        app.MapMcp(McpHttpOptions.Path);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (bound is not null && Uri.TryCreate(bound, UriKind.Absolute, out var boundUri))
        {
            port = boundUri.Port;
        }

        var url = new Uri($"http://{(http.Host.Contains(':', StringComparison.Ordinal) ? $"[{http.Host}]" : http.Host)}:{port}{McpHttpOptions.Path}");
        Console.Error.WriteLine($"engram mcp: listening on {url}");
        started?.Invoke(url);
        // Ends on cancellation or when the host's lifetime stops (ASP.NET Core handles SIGTERM and Ctrl+C itself).
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    private static IReadOnlyList<IPAddress> ResolveAddresses(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return [IPAddress.Loopback];
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return [address];
        }

        throw new ArgumentException($"'{host}' is not an IP address or localhost.");
    }
}
