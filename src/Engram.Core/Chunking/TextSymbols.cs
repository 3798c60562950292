namespace Engram.Core.Chunking;

/// <summary>Guesses the name a line of code or configuration declares, without regular expressions.</summary>
/// <remarks>
/// Recognises definition keywords (<c>function foo</c>, <c>def foo</c>, <c>class Foo</c>, <c>fn foo</c>,
/// <c>func (r T) Foo</c>, <c>interface</c>, <c>struct</c>, ...), <c>const foo =</c> style bindings,
/// <c>foo: function</c>, C-style <c>int foo(...) {</c> headers, SQL <c>CREATE TABLE foo</c>, and keys:
/// YAML <c>key:</c>, TOML and INI <c>key =</c> and <c>[table]</c>, JSON <c>"key":</c>. Each call is a
/// single forward scan of the line.
/// </remarks>
internal static class TextSymbols
{
    private static readonly HashSet<string> s_modifiers =
    [
        "export", "default", "async", "pub", "public", "private", "protected", "internal", "static", "abstract",
        "final", "open", "override", "declare", "unsafe", "extern", "inline", "virtual", "sealed", "data",
        "suspend", "local", "partial", "readonly", "tailrec", "operator", "infix", "lateinit",
        "companion", "inner", "annotation", "value", "noinline", "crossinline", "synchronized", "native",
        "strictfp", "transient", "volatile", "mutating", "nonmutating", "fileprivate", "dynamic", "lazy",
        "required", "convenience", "indirect",
    ];

    private static readonly HashSet<string> s_definitionKeywords =
    [
        "function", "def", "class", "fn", "func", "fun", "struct", "interface", "enum", "trait", "impl",
        "module", "mod", "namespace", "object", "protocol", "union", "type", "typedef", "sub", "proc",
        "extension", "record", "defmodule", "defp", "defmacro", "defn", "macro", "template", "component",
        "schema", "message", "service",
    ];

    private static readonly HashSet<string> s_bindingKeywords = ["const", "let", "var", "val"];

    private static readonly HashSet<string> s_statementKeywords =
    [
        "if", "for", "foreach", "while", "switch", "return", "catch", "else", "elif", "except", "do", "new",
        "await", "throw", "case", "using", "typeof", "sizeof", "with", "assert", "print", "echo", "yield",
        "delete", "goto", "lock", "unless", "until", "try", "finally", "import", "from", "include", "require",
    ];

    private static readonly string[] s_sqlObjects =
        ["table", "view", "function", "procedure", "index", "trigger", "type", "schema", "sequence"];

    /// <summary>
    /// Returns the declared name or null, and whether the line starts a definition (a function, type or
    /// module: something that deserves a chunk of its own) rather than a key or plain binding.
    /// </summary>
    public static (string? Name, bool IsDefinition) FromLine(ReadOnlySpan<char> line)
    {
        ReadOnlySpan<char> s = line.Trim().TrimStart('\uFEFF');
        if (s.IsEmpty)
        {
            return (null, false);
        }

        if (s[0] == '[')
        {
            return (TableName(s), false);
        }

        if (s[0] is '"' or '\'')
        {
            return (QuotedKey(s), false);
        }

        int pos = 0;
        string word = ReadWord(s, ref pos);
        while (word.Length > 0 && s_modifiers.Contains(word) && !IsKeySeparator(s, SkipSpace(s, pos)))
        {
            pos = SkipSpace(s, pos);
            if (pos < s.Length && s[pos] == '(')
            {
                // pub(crate), private(set) and the like.
                pos = SkipBalanced(s, pos, '(', ')');
                pos = SkipSpace(s, pos);
            }

            word = ReadWord(s, ref pos);
        }

        int afterWord = SkipSpace(s, pos);
        bool keyFollows = IsKeySeparator(s, afterWord);
        // function* gen(), impl<T> Foo for Bar<T>
        bool glued = pos < s.Length && ((word == "function" && s[pos] == '*') || (word == "impl" && s[pos] == '<'));
        if (!keyFollows && (afterWord > pos || glued))
        {
            if (s_definitionKeywords.Contains(word))
            {
                return Definition(word, s, afterWord);
            }

            if (s_bindingKeywords.Contains(word))
            {
                // `var x = require("./x.js")` only imports: it names nothing the file defines.
                if (s.Contains("require(", StringComparison.Ordinal))
                {
                    return (null, false);
                }

                int at = afterWord;
                string name = ReadWord(s, ref at);
                return name.Length == 0 ? (null, false) : (name, IsFunctionValue(s[at..]));
            }

            if (word.Equals("create", StringComparison.OrdinalIgnoreCase))
            {
                return (SqlName(s, afterWord), true);
            }
        }

        if (s_statementKeywords.Contains(word))
        {
            return (null, false);
        }

        // key: value, key = value, foo.bar = function () {, foo: function () {
        int keyEnd = 0;
        while (keyEnd < s.Length && (IsWordChar(s[keyEnd]) || s[keyEnd] is '-' or '.'))
        {
            keyEnd++;
        }

        if (keyEnd > 0 && IsWordChar(s[0]))
        {
            int next = SkipSpace(s, keyEnd);
            if (IsKeySeparator(s, next))
            {
                return (s[..keyEnd].ToString(), IsFunctionValue(s[keyEnd..]));
            }
        }

        string? functionName = CStyleFunctionName(s);
        return (functionName, functionName is not null);
    }

    private static (string? Name, bool IsDefinition) Definition(string keyword, ReadOnlySpan<char> s, int pos)
    {
        if (keyword == "function" && pos < s.Length && s[pos] == '*')
        {
            pos = SkipSpace(s, pos + 1);
        }
        else if (keyword is "func" or "fun" && pos < s.Length && s[pos] == '(')
        {
            // Go method receiver: func (s *Server) Start(...)
            pos = SkipSpace(s, SkipBalanced(s, pos, '(', ')'));
        }
        else if (keyword == "impl")
        {
            return (ImplName(s, pos), true);
        }

        string name = ReadWord(s, ref pos);
        while (name.Length > 0 && pos + 1 < s.Length && s[pos] is '.' or ':' && IsWordStart(s[pos + 1]))
        {
            // def self.foo, function M.foo, function M:foo
            pos++;
            string part = ReadWord(s, ref pos);
            name = name == "self" ? part : name + "." + part;
        }

        return (name.Length > 0 ? name : null, true);
    }

    /// <summary>The implementing type of a Rust <c>impl</c>: <c>Foo</c> for both <c>impl&lt;T&gt; Foo&lt;T&gt;</c> and <c>impl fmt::Display for Foo</c>.</summary>
    private static string? ImplName(ReadOnlySpan<char> s, int pos)
    {
        if (pos < s.Length && s[pos] == '<')
        {
            pos = SkipSpace(s, SkipBalanced(s, pos, '<', '>'));
        }

        string name = ReadPathLast(s, ref pos);
        if (pos < s.Length && s[pos] == '<')
        {
            pos = SkipBalanced(s, pos, '<', '>');
        }

        pos = SkipSpace(s, pos);
        int at = pos;
        if (ReadWord(s, ref at) == "for")
        {
            at = SkipSpace(s, at);
            name = ReadPathLast(s, ref at);
        }

        return name.Length > 0 ? name : null;
    }

    /// <summary>Reads <c>a::b::C</c> and returns <c>C</c>.</summary>
    private static string ReadPathLast(ReadOnlySpan<char> s, ref int pos)
    {
        string name = ReadWord(s, ref pos);
        while (pos + 2 < s.Length && s[pos] == ':' && s[pos + 1] == ':' && IsWordStart(s[pos + 2]))
        {
            pos += 2;
            name = ReadWord(s, ref pos);
        }

        return name;
    }

    /// <summary>Whether the text after a <c>=</c> or <c>:</c> is a function: <c>function</c>, <c>async</c> or an arrow.</summary>
    private static bool IsFunctionValue(ReadOnlySpan<char> rest)
    {
        int eq = rest.IndexOfAny('=', ':');
        if (eq < 0)
        {
            return false;
        }

        ReadOnlySpan<char> value = rest[(eq + 1)..].TrimStart();
        return value.StartsWith("function", StringComparison.Ordinal)
            || value.StartsWith("async", StringComparison.Ordinal)
            || value.IndexOf("=>", StringComparison.Ordinal) >= 0
            || value.StartsWith("lambda", StringComparison.Ordinal);
    }

    /// <summary><c>int foo(int x) {</c>, <c>void Foo::bar() const</c>, <c>foo() {</c> (shell); not calls like <c>foo(1);</c>.</summary>
    private static string? CStyleFunctionName(ReadOnlySpan<char> s)
    {
        int paren = s.IndexOf('(');
        if (paren <= 0 || s[^1] == ';' || s[^1] == ',')
        {
            return null;
        }

        ReadOnlySpan<char> prefix = s[..paren].TrimEnd();
        int lastSpace = prefix.LastIndexOfAny(' ', '\t');
        int nameStart = prefix.Length;
        while (nameStart > 0 && IsWordChar(prefix[nameStart - 1]))
        {
            nameStart--;
        }

        if (nameStart == prefix.Length || !IsWordStart(prefix[nameStart]))
        {
            return null;
        }

        string name = prefix[nameStart..].ToString();
        if (lastSpace < 0)
        {
            // A single word: only a shell-style `name() {` header counts.
            ReadOnlySpan<char> rest = s[paren..];
            return rest.StartsWith("()", StringComparison.Ordinal) && rest[2..].Trim() is "{" ? name : null;
        }

        // Return type and name: every character must look like a declaration, and the header must end
        // with a brace or a closing parenthesis (K&R style puts the brace on the next line).
        foreach (char c in prefix)
        {
            if (!(IsWordChar(c) || c is ' ' or '\t' or ':' or '*' or '&' or '<' or '>' or ',' or '~' or '[' or ']'))
            {
                return null;
            }
        }

        ReadOnlySpan<char> tail = s.TrimEnd();
        bool headerEnd = tail[^1] == '{' || tail[^1] == ')' || tail.EndsWith("const", StringComparison.Ordinal);
        return headerEnd && prefix.Count(' ') <= 5 ? name : null;
    }

    private static string? SqlName(ReadOnlySpan<char> s, int pos)
    {
        while (pos < s.Length)
        {
            string word = ReadWord(s, ref pos);
            pos = SkipSpace(s, pos);
            if (word.Length == 0)
            {
                return null;
            }

            foreach (string kind in s_sqlObjects)
            {
                if (word.Equals(kind, StringComparison.OrdinalIgnoreCase))
                {
                    int start = pos;
                    string name = ReadWord(s, ref pos);
                    if (name.Equals("if", StringComparison.OrdinalIgnoreCase))
                    {
                        // IF NOT EXISTS
                        ReadWord(s, ref pos);
                        pos = SkipSpace(s, pos);
                        ReadWord(s, ref pos);
                        pos = SkipSpace(s, pos);
                        start = pos;
                    }

                    int end = start;
                    while (end < s.Length && (IsWordChar(s[end]) || s[end] is '.' or '"' or '`' or '[' or ']'))
                    {
                        end++;
                    }

                    string qualified = s[start..end].ToString().Replace("\"", "").Replace("`", "").Replace("[", "").Replace("]", "");
                    return qualified.Length > 0 ? qualified : null;
                }
            }
        }

        return null;
    }

    /// <summary>Whether the line is a TOML or INI table header such as <c>[package]</c> or <c>[[bin]]</c>.</summary>
    public static bool IsTableHeader(ReadOnlySpan<char> line)
    {
        ReadOnlySpan<char> s = line.Trim();
        return s.Length > 2 && s[0] == '[' && TableName(s) is not null;
    }

    private static string? TableName(ReadOnlySpan<char> s)
    {
        // [table] or [[array.of.tables]] (TOML, INI); anything else (a JSON array, an attribute) has no name.
        int depth = s.StartsWith("[[", StringComparison.Ordinal) ? 2 : 1;
        ReadOnlySpan<char> close = depth == 2 ? "]]" : "]";
        int end = s.IndexOf(close);
        if (end <= depth || s[(end + close.Length)..].TrimStart() is { Length: > 0 } rest && rest[0] != '#' && rest[0] != ';')
        {
            return null;
        }

        ReadOnlySpan<char> name = s[depth..end].Trim();
        foreach (char c in name)
        {
            if (!(IsWordChar(c) || c is '.' or '-' or '"' or '\'' or ' '))
            {
                return null;
            }
        }

        return name.Length > 0 ? name.ToString() : null;
    }

    private static string? QuotedKey(ReadOnlySpan<char> s)
    {
        char quote = s[0];
        int end = 1;
        while (end < s.Length && s[end] != quote)
        {
            end += s[end] == '\\' ? 2 : 1;
        }

        if (end >= s.Length)
        {
            return null;
        }

        int next = SkipSpace(s, end + 1);
        return next < s.Length && s[next] == ':' && end > 1 ? s[1..end].ToString() : null;
    }

    /// <summary>A <c>:</c> (not <c>::</c>) or an <c>=</c> (not <c>==</c> or <c>=&gt;</c>) at <paramref name="pos"/>.</summary>
    private static bool IsKeySeparator(ReadOnlySpan<char> s, int pos)
    {
        if (pos >= s.Length)
        {
            return false;
        }

        char next = pos + 1 < s.Length ? s[pos + 1] : '\0';
        return (s[pos] == ':' && next != ':') || (s[pos] == '=' && next is not ('=' or '>'));
    }

    private static string ReadWord(ReadOnlySpan<char> s, ref int pos)
    {
        int start = pos;
        if (pos < s.Length && IsWordStart(s[pos]))
        {
            while (pos < s.Length && IsWordChar(s[pos]))
            {
                pos++;
            }
        }

        return s[start..pos].ToString();
    }

    private static int SkipSpace(ReadOnlySpan<char> s, int pos)
    {
        while (pos < s.Length && s[pos] is ' ' or '\t')
        {
            pos++;
        }

        return pos;
    }

    private static int SkipBalanced(ReadOnlySpan<char> s, int pos, char open, char close)
    {
        int depth = 0;
        for (; pos < s.Length; pos++)
        {
            if (s[pos] == open)
            {
                depth++;
            }
            else if (s[pos] == close && --depth == 0)
            {
                return pos + 1;
            }
        }

        return pos;
    }

    private static bool IsWordStart(char c) => char.IsLetter(c) || c is '_' or '$';

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '$';
}
