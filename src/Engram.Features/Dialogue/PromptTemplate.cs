using System.Text;
using System.Text.RegularExpressions;

namespace Engram.Features.Dialogue;

/// <summary>Fills prompt templates: <c>{name}</c> placeholders; <c>{{</c> and <c>}}</c> are literal braces.</summary>
public static partial class PromptTemplate
{
    [GeneratedRegex(@"\{\{|\}\}|\{([A-Za-z0-9_]+)\}")]
    private static partial Regex Token();

    /// <summary>The placeholder names used in <paramref name="template"/>, in order (duplicates kept).</summary>
    public static IEnumerable<string> Placeholders(string template) =>
        Token().Matches(template).Where(m => m.Groups[1].Success).Select(m => m.Groups[1].Value);

    /// <summary>
    /// Replaces each placeholder with <paramref name="resolve"/>'s value; a placeholder it returns null for is left as
    /// written. Values are inserted verbatim (never re-expanded).
    /// </summary>
    public static string Fill(string template, Func<string, string?> resolve)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(resolve);
        var sb = new StringBuilder(template.Length);
        var last = 0;
        foreach (Match m in Token().Matches(template))
        {
            sb.Append(template, last, m.Index - last);
            sb.Append(m.Value switch
            {
                "{{" => "{",
                "}}" => "}",
                _ => resolve(m.Groups[1].Value) ?? m.Value,
            });
            last = m.Index + m.Length;
        }

        sb.Append(template, last, template.Length - last);
        return sb.ToString();
    }
}
