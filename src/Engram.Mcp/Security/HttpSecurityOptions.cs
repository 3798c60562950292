namespace Engram.Mcp.Security;

/// <summary>How the Streamable HTTP endpoint is protected.</summary>
/// <param name="Token">The bearer token every request must carry (<c>Authorization: Bearer TOKEN</c>), or null to accept
/// requests without one (only allowed on a loopback address; for conformance testing).</param>
/// <param name="AllowedHosts">Host names accepted in the <c>Host</c> header (DNS-rebinding defence), compared
/// case-insensitively; the port must be the listening port.</param>
/// <param name="MaxRequestBytes">Largest request body accepted, in bytes.</param>
public sealed record HttpSecurityOptions(string? Token, IReadOnlyList<string> AllowedHosts, long MaxRequestBytes = 4 * 1024 * 1024);
