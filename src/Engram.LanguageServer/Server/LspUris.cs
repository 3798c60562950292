namespace Engram.LanguageServer.Server;

/// <summary>Conversions between <c>file:</c> URIs (as clients send them, percent-encoded) and full paths.</summary>
internal static class LspUris
{
    /// <summary>The full local path of a <c>file:</c> URI, or null for another scheme or a malformed URI.</summary>
    public static string? ToPath(string? uri)
    {
        if (string.IsNullOrEmpty(uri) || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !parsed.IsFile)
        {
            return null;
        }

        return Path.GetFullPath(parsed.LocalPath);
    }

    /// <summary>The <c>file:</c> URI of a full path (percent-encoded as VS Code writes it).</summary>
    public static string FromPath(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;
}
