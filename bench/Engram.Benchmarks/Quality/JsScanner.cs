using System.Text.RegularExpressions;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// A small JavaScript lexer, just enough to find comments and the extent of top-level statements: it skips
/// strings, template literals (with nested <c>${}</c>), regular-expression literals and comments while counting
/// brackets.
/// </summary>
/// <remarks>
/// A top-level statement ends at a <c>;</c> at depth 0, at the <c>}</c> that closes a function or class
/// declaration, or (automatic semicolon insertion) at a line end followed by a line that starts a new
/// declaration. Regular expressions are told from division by the previous token, which is right for ordinary
/// library code.
/// </remarks>
internal static partial class JsScanner
{
    private static readonly HashSet<string> s_regexAfterWords = new(StringComparer.Ordinal)
    {
        "return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw", "instanceof", "yield", "await",
    };

    /// <summary>Scans <paramref name="text"/>. Never throws; unterminated constructs end at the end of the text.</summary>
    public static JsScanResult Scan(string text)
    {
        var comments = new List<JsComment>();
        var statements = new List<JsStatement>();
        var templates = new Stack<int>();
        var depth = 0;
        var statementStart = -1;
        var statementIsDeclaration = false;
        var lastSignificantEnd = 0;
        var lastWasOperand = false;
        var lastWord = "";
        var i = 0;

        void EndStatement(int end)
        {
            if (statementStart >= 0)
            {
                statements.Add(new JsStatement(statementStart, end));
            }

            statementStart = -1;
            statementIsDeclaration = false;
        }

        while (i < text.Length)
        {
            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (c == '/' && next == '/')
            {
                var end = text.IndexOf('\n', i);
                end = end < 0 ? text.Length : end;
                comments.Add(new JsComment(i, end, false, false, depth));
                i = end;
                continue;
            }

            if (c == '/' && next == '*')
            {
                var close = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                var end = close < 0 ? text.Length : close + 2;
                var isJsDoc = i + 2 < text.Length && text[i + 2] == '*' && !(i + 3 < text.Length && text[i + 3] == '/');
                comments.Add(new JsComment(i, end, true, isJsDoc, depth));
                i = end;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                if (c == '\n' && depth == 0 && statementStart >= 0 && lastWasOperand && StartsDeclarationLine(text, i + 1))
                {
                    EndStatement(lastSignificantEnd);
                }

                i++;
                continue;
            }

            if (depth == 0 && statementStart < 0)
            {
                statementStart = i;
                statementIsDeclaration = DeclarationStart().IsMatch(text.AsSpan(i, Math.Min(64, text.Length - i)));
            }

            switch (c)
            {
                case '\'' or '"':
                    i = SkipString(text, i);
                    lastWasOperand = true;
                    lastWord = "";
                    break;
                case '`':
                    (i, var entered) = SkipTemplate(text, i + 1);
                    if (entered)
                    {
                        templates.Push(depth);
                        depth++;
                    }

                    lastWasOperand = true;
                    lastWord = "";
                    break;
                case '/':
                    if (!lastWasOperand || s_regexAfterWords.Contains(lastWord))
                    {
                        i = SkipRegex(text, i);
                        lastWasOperand = true;
                    }
                    else
                    {
                        i++;
                        lastWasOperand = false;
                    }

                    lastWord = "";
                    break;
                case '(' or '[' or '{':
                    depth++;
                    i++;
                    lastWasOperand = false;
                    lastWord = "";
                    break;
                case ')' or ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    i++;
                    if (c == '}' && templates.Count > 0 && templates.Peek() == depth)
                    {
                        // The end of a ${...} substitution: back into the template literal.
                        templates.Pop();
                        (i, var reentered) = SkipTemplate(text, i);
                        if (reentered)
                        {
                            templates.Push(depth);
                            depth++;
                        }

                        lastWasOperand = true;
                        break;
                    }

                    lastWasOperand = true;
                    lastWord = "";
                    if (c == '}' && depth == 0 && statementIsDeclaration)
                    {
                        lastSignificantEnd = i;
                        EndStatement(i);
                        continue;
                    }

                    break;
                case ';':
                    i++;
                    lastWasOperand = false;
                    lastWord = "";
                    if (depth == 0)
                    {
                        lastSignificantEnd = i;
                        EndStatement(i);
                        continue;
                    }

                    break;
                default:
                    if (char.IsLetterOrDigit(c) || c is '_' or '$')
                    {
                        var start = i;
                        while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '$' || (text[i] == '.' && char.IsDigit(c))))
                        {
                            i++;
                        }

                        lastWord = text[start..i];
                        lastWasOperand = !s_regexAfterWords.Contains(lastWord);
                    }
                    else
                    {
                        i++;
                        lastWasOperand = false;
                        lastWord = "";
                    }

                    break;
            }

            lastSignificantEnd = i;
        }

        EndStatement(lastSignificantEnd);
        return new JsScanResult(comments, statements);
    }

    private static int SkipString(string text, int start)
    {
        var quote = text[start];
        var i = start + 1;
        while (i < text.Length && text[i] != quote && text[i] != '\n')
        {
            i += text[i] == '\\' ? 2 : 1;
        }

        return Math.Min(text.Length, i + 1);
    }

    /// <summary>
    /// Skips template text from <paramref name="i"/> (just after a backtick or a substitution's closing brace).
    /// Returns the offset after the closing backtick, or after a <c>${</c> with <c>EnteredSubstitution</c> set.
    /// </summary>
    private static (int Next, bool EnteredSubstitution) SkipTemplate(string text, int i)
    {
        while (i < text.Length)
        {
            switch (text[i])
            {
                case '\\':
                    i += 2;
                    break;
                case '`':
                    return (i + 1, false);
                case '$' when i + 1 < text.Length && text[i + 1] == '{':
                    return (i + 2, true);
                default:
                    i++;
                    break;
            }
        }

        return (text.Length, false);
    }

    private static int SkipRegex(string text, int start)
    {
        var i = start + 1;
        var inClass = false;
        while (i < text.Length && text[i] != '\n')
        {
            var c = text[i];
            if (c == '\\')
            {
                i += 2;
                continue;
            }

            if (c == '[')
            {
                inClass = true;
            }
            else if (c == ']')
            {
                inClass = false;
            }
            else if (c == '/' && !inClass)
            {
                i++;
                while (i < text.Length && char.IsLetter(text[i]))
                {
                    i++;
                }

                return i;
            }

            i++;
        }

        return i;
    }

    private static bool StartsDeclarationLine(string text, int lineStart)
    {
        var i = lineStart;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i >= text.Length || NewStatementStart().IsMatch(text.AsSpan(i, Math.Min(32, text.Length - i)));
    }

    [GeneratedRegex(@"^(export\s+(default\s+)?)?(async\s+)?(function|class)\b")]
    private static partial Regex DeclarationStart();

    [GeneratedRegex(@"^(export|import|var|let|const|function|class|async\s+function)\b")]
    private static partial Regex NewStatementStart();
}
