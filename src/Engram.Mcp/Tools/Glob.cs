using System.Text;
using System.Text.RegularExpressions;

namespace Engram.Mcp.Tools;

/// <summary>Workspace-relative path globs: <c>**</c> any folders, <c>*</c> within a segment, <c>?</c> one character, <c>{a,b}</c> alternatives.</summary>
internal static class Glob
{
    /// <summary>A regex matching whole forward-slash paths; a glob without <c>/</c> matches the file name anywhere.</summary>
    public static Regex ToRegex(string glob)
    {
        var pattern = glob.Replace('\\', '/').TrimStart('/');
        if (!pattern.Contains('/', StringComparison.Ordinal))
        {
            pattern = "**/" + pattern;
        }

        var builder = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                        builder.Append("(?:.*/)?");
                    }
                    else
                    {
                        builder.Append(".*");
                    }

                    break;
                case '*':
                    builder.Append("[^/]*");
                    break;
                case '?':
                    builder.Append("[^/]");
                    break;
                case '{':
                    builder.Append("(?:");
                    break;
                case '}':
                    builder.Append(')');
                    break;
                case ',':
                    builder.Append('|');
                    break;
                default:
                    builder.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        builder.Append('$');
        return new Regex(builder.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>The literal folder prefix of a glob (up to the last <c>/</c> before any wildcard), or null.</summary>
    public static string? LiteralPrefix(string glob)
    {
        var pattern = glob.Replace('\\', '/').TrimStart('/');
        var wildcard = pattern.IndexOfAny(['*', '?', '{']);
        var literal = wildcard < 0 ? pattern : pattern[..wildcard];
        var slash = literal.LastIndexOf('/');
        return slash <= 0 ? null : literal[..(slash + 1)];
    }
}
