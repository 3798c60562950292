using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// Renders a compiled XML documentation <c>&lt;summary&gt;</c> as the plain sentence a person would type:
/// <c>&lt;see cref="T:Foo.Bar"/&gt;</c> becomes <c>Bar</c>, <c>&lt;paramref name="x"/&gt;</c> becomes <c>x</c>,
/// <c>&lt;see langword="null"/&gt;</c> becomes <c>null</c>, other tags keep their text, whitespace is collapsed.
/// </summary>
internal static partial class XmlSummaryRenderer
{
    /// <summary>Returns the plain text of <paramref name="summary"/> (trimmed, single spaces).</summary>
    public static string Render(XElement summary)
    {
        var text = new StringBuilder();
        AppendChildren(text, summary);
        return CollapseWhitespace(text.ToString());
    }

    /// <summary>
    /// Returns the display name of a documentation id: <c>T:A.B`1</c> → <c>B</c>, <c>M:A.B.C(System.Int32)</c> →
    /// <c>C</c>, <c>M:A.B.#ctor</c> → <c>B</c>.
    /// </summary>
    public static string ShortName(string cref)
    {
        var name = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
        var paren = name.IndexOf('(', StringComparison.Ordinal);
        if (paren >= 0)
        {
            name = name[..paren];
        }

        var constructor = name.EndsWith(".#ctor", StringComparison.Ordinal) || name.EndsWith(".#cctor", StringComparison.Ordinal);
        if (constructor)
        {
            name = name[..name.LastIndexOf('.')];
        }

        // Generic arguments in a cref's type name ({T}) hold dots of their own; drop them before splitting.
        var brace = name.IndexOf('{', StringComparison.Ordinal);
        if (brace >= 0)
        {
            name = name[..brace];
        }

        name = name[(name.LastIndexOf('.') + 1)..];
        name = name[(name.LastIndexOf('#') + 1)..];
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick >= 0 ? name[..tick] : name;
    }

    /// <summary>Counts whitespace-separated words.</summary>
    public static int WordCount(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>Replaces every run of whitespace by one space and trims.</summary>
    public static string CollapseWhitespace(string text) => Whitespace().Replace(text, " ").Trim();

    private static void AppendChildren(StringBuilder text, XElement element)
    {
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText t:
                    text.Append(t.Value);
                    break;
                case XElement e:
                    AppendElement(text, e);
                    break;
            }
        }
    }

    private static void AppendElement(StringBuilder text, XElement element)
    {
        switch (element.Name.LocalName)
        {
            case "see" or "seealso":
                if (element.Nodes().Any())
                {
                    AppendChildren(text, element);
                }
                else if (element.Attribute("cref") is { } cref)
                {
                    text.Append(ShortName(cref.Value));
                }
                else if (element.Attribute("langword") is { } langword)
                {
                    text.Append(langword.Value);
                }
                else if (element.Attribute("href") is { } href)
                {
                    text.Append(href.Value);
                }

                break;
            case "paramref" or "typeparamref":
                text.Append(element.Attribute("name")?.Value);
                break;
            case "para" or "list" or "item" or "listheader" or "term" or "description" or "br" or "code":
                // Block elements separate words even when the XML has no whitespace around them.
                text.Append(' ');
                AppendChildren(text, element);
                text.Append(' ');
                break;
            default:
                AppendChildren(text, element);
                break;
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
