using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.Extensions.AI;

namespace Engram.Features.Docs;

/// <summary>A documentation comment to insert above a declaration.</summary>
/// <param name="InsertLine">0-based line before which <see cref="Text"/> is inserted (at column 0).</param>
/// <param name="Indentation">The declaration's leading whitespace, already applied to every line of <see cref="Text"/>.</param>
/// <param name="Text">The whole comment block, one or more lines each ending in <c>\n</c> (for Python: the docstring
/// lines inserted after the <c>def</c> line, so <see cref="InsertLine"/> is the line after it).</param>
/// <param name="Convention"><c>xmldoc</c> (C#), <c>jsdoc</c>, <c>python-docstring</c>, <c>rustdoc</c>, <c>godoc</c>, or <c>line-comment</c>.</param>
/// <param name="Symbol">Name of the documented member, or null when none was found at the caret.</param>
/// <param name="Declaration">Source text of the documented declaration (for the model prompt).</param>
public sealed record DocComment(int InsertLine, string Indentation, string Text, string Convention, string? Symbol, string Declaration);

/// <summary>The result of documentation generation.</summary>
/// <param name="Comment">The comment to insert.</param>
/// <param name="UsedModel">True when a model wrote the prose; false when only the skeleton was produced.</param>
/// <param name="Model">Name of the model that answered, or null.</param>
public sealed record DocResult(DocComment Comment, bool UsedModel, string? Model);

/// <summary>
/// Documentation comments for the declaration at a caret. For C#, Roslyn finds the member and builds the XML doc
/// skeleton (summary, typeparam, param, returns, exception for each thrown type) at the member's indentation; other
/// languages get their own convention (JSDoc, Python docstring, Rust <c>///</c>, Go comment). A model, when given,
/// writes the prose into the skeleton.
/// </summary>
/// <remarks>
/// Non-C# languages are recognised with line-based heuristics (a declaration keyword at or above the caret), not a
/// parser. Stateless and thread-safe.
/// </remarks>
public sealed partial class DocCommentGenerator
{
    /// <summary>Convention name of C# XML documentation comments.</summary>
    public const string XmlDoc = "xmldoc";

    /// <summary>Convention name of JSDoc blocks.</summary>
    public const string JsDoc = "jsdoc";

    /// <summary>Convention name of Python docstrings (Google style).</summary>
    public const string PythonDocstring = "python-docstring";

    /// <summary>Convention name of Rust outer doc comments.</summary>
    public const string RustDoc = "rustdoc";

    /// <summary>Convention name of Go doc comments.</summary>
    public const string GoDoc = "godoc";

    /// <summary>Convention name of plain line comments (every other language).</summary>
    public const string LineComment = "line-comment";

    private const int MaxDeclarationChars = 4000;

    /// <summary>
    /// The skeleton for the declaration enclosing (or starting on) the caret, or null when there is none or it
    /// already has a documentation comment.
    /// </summary>
    /// <param name="path">File path (its extension picks the language when <paramref name="languageId"/> is null).</param>
    /// <param name="text">The document text.</param>
    /// <param name="line">0-based caret line.</param>
    /// <param name="character">0-based UTF-16 caret column.</param>
    /// <param name="languageId">LSP language id, or null.</param>
    public DocComment? CreateSkeleton(string path, string text, int line, int character, string? languageId = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = SplitLines(text);
        line = Math.Clamp(line, 0, Math.Max(0, lines.Length - 1));
        return Language(path, languageId) switch
        {
            "csharp" => CSharpSkeleton(text, line, character),
            "javascript" or "typescript" => JsSkeleton(lines, line),
            "python" => PythonSkeleton(lines, line),
            "rust" => RustSkeleton(lines, line),
            "go" => GoSkeleton(lines, line),
            var other => LineCommentSkeleton(lines, line, CommentPrefix(other, path)),
        };
    }

    /// <summary>
    /// The skeleton with its prose written by <paramref name="client"/>; with a null client (or when the model's
    /// answer is unusable) the skeleton alone. Null when <see cref="CreateSkeleton"/> finds nothing.
    /// </summary>
    /// <remarks>The answer is accepted when it keeps the convention and every parameter of the skeleton; otherwise
    /// its first prose sentence fills the skeleton's summary; an answer with no prose leaves the skeleton alone.</remarks>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public async Task<DocResult?> GenerateAsync(string path, string text, int line, int character, string? languageId, IChatClient? client, CancellationToken cancellationToken = default)
    {
        var skeleton = CreateSkeleton(path, text, line, character, languageId);
        if (skeleton is null || client is null)
        {
            return skeleton is null ? null : new DocResult(skeleton, false, null);
        }

        var prompt = $"""
            Write the documentation comment for this declaration from {Path.GetFileName(path)}.
            Fill in the skeleton below: keep its format ({skeleton.Convention}) and every tag or parameter entry, and
            describe what the code does and what each parameter means, briefly and precisely.
            Answer with the filled comment only, no code and no explanation.

            Declaration:
            ```
            {skeleton.Declaration}
            ```

            Skeleton:
            ```
            {Dedent(skeleton.Text)}```
            """;
        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You write concise, accurate API documentation comments."), new ChatMessage(ChatRole.User, prompt)],
            new ChatOptions { Temperature = 0.2f, MaxOutputTokens = 512 },
            cancellationToken).ConfigureAwait(false);
        var model = ModelName(response);
        var answer = StripFences(response.Text ?? "");
        if (Validate(skeleton, answer) is { } filled)
        {
            return new DocResult(skeleton with { Text = filled }, true, model);
        }

        var summary = ProseSummary(answer, skeleton.Symbol);
        return summary is null
            ? new DocResult(skeleton, false, model)
            : new DocResult(skeleton with { Text = FillSummary(skeleton, summary) }, true, model);
    }

    /// <summary>The model's name from a response: <see cref="ChatResponse.ModelId"/>, else the router's property.</summary>
    internal static string? ModelName(ChatResponse response) =>
        response.ModelId
        ?? (response.AdditionalProperties?.TryGetValue(Engram.Models.Routing.FallbackChatClient.ModelPropertyName, out var value) == true ? value?.ToString() : null);

    private static string Language(string path, string? languageId)
    {
        switch (languageId?.ToLowerInvariant())
        {
            case "csharp":
                return "csharp";
            case "javascript" or "javascriptreact" or "typescript" or "typescriptreact":
                return "javascript";
            case "python" or "rust" or "go":
                return languageId.ToLowerInvariant();
        }

        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".cs" or ".csx" => "csharp",
            ".js" or ".jsx" or ".mjs" or ".cjs" or ".ts" or ".tsx" or ".mts" or ".cts" => "javascript",
            ".py" or ".pyi" => "python",
            ".rs" => "rust",
            ".go" => "go",
            _ => languageId?.ToLowerInvariant() ?? "",
        };
    }

    private static string CommentPrefix(string language, string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (language is "shellscript" or "ruby" or "perl" or "yaml" or "toml" or "r" or "powershell" or "makefile" or "dockerfile"
            || extension is ".sh" or ".bash" or ".zsh" or ".rb" or ".pl" or ".yml" or ".yaml" or ".toml" or ".r" or ".ps1" or ".cmake" or ".nix" or ".jl" or ".ex" or ".exs")
        {
            return "#";
        }

        return language is "sql" or "lua" or "haskell" || extension is ".sql" or ".lua" or ".hs" ? "--" : "//";
    }

    // ---- C# (Roslyn) ----

    private static DocComment? CSharpSkeleton(string text, int line, int character)
    {
        var tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.Parse));
        var source = tree.GetText();
        var lineInfo = source.Lines[Math.Min(line, source.Lines.Count - 1)];
        var position = Math.Min(lineInfo.Start + Math.Max(0, character), lineInfo.End);
        var root = tree.GetRoot();

        // A caret on a line that starts a declaration (e.g. on its indentation) belongs to that declaration.
        var lineText = lineInfo.ToString();
        var firstNonBlank = lineText.Length - lineText.TrimStart().Length;
        if (character <= firstNonBlank && firstNonBlank < lineText.Length)
        {
            position = lineInfo.Start + firstNonBlank;
        }

        var token = root.FindToken(position);
        var member = token.Parent?.AncestorsAndSelf().FirstOrDefault(IsDocumentable);
        if (member is null)
        {
            return null;
        }

        var first = member.GetFirstToken();
        if (first.LeadingTrivia.Any(t => t.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia) || t.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia)))
        {
            return null;
        }

        var insertLine = source.Lines.GetLineFromPosition(first.SpanStart);
        var declarationLine = insertLine.ToString();
        var indentation = declarationLine[..(declarationLine.Length - declarationLine.TrimStart().Length)];

        var typeParameters = new List<string>();
        var parameters = new List<string>();
        var returns = false;
        SyntaxNode? body = null;
        string? symbol;
        switch (member)
        {
            case MethodDeclarationSyntax method:
                symbol = method.Identifier.ValueText;
                typeParameters.AddRange(TypeParameters(method.TypeParameterList));
                parameters.AddRange(Parameters(method.ParameterList));
                returns = Returns(method.ReturnType);
                body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
                break;
            case ConstructorDeclarationSyntax constructor:
                symbol = constructor.Identifier.ValueText;
                parameters.AddRange(Parameters(constructor.ParameterList));
                body = (SyntaxNode?)constructor.Body ?? constructor.ExpressionBody;
                break;
            case OperatorDeclarationSyntax op:
                symbol = "operator " + op.OperatorToken.ValueText;
                parameters.AddRange(Parameters(op.ParameterList));
                returns = Returns(op.ReturnType);
                body = (SyntaxNode?)op.Body ?? op.ExpressionBody;
                break;
            case ConversionOperatorDeclarationSyntax conversion:
                symbol = "operator " + conversion.Type;
                parameters.AddRange(Parameters(conversion.ParameterList));
                returns = true;
                body = (SyntaxNode?)conversion.Body ?? conversion.ExpressionBody;
                break;
            case BaseMethodDeclarationSyntax other:
                symbol = other is DestructorDeclarationSyntax destructor ? "~" + destructor.Identifier.ValueText : null;
                body = (SyntaxNode?)other.Body ?? other.ExpressionBody;
                break;
            case PropertyDeclarationSyntax property:
                symbol = property.Identifier.ValueText;
                body = (SyntaxNode?)property.AccessorList ?? property.ExpressionBody;
                break;
            case IndexerDeclarationSyntax indexer:
                symbol = "this[]";
                parameters.AddRange(indexer.ParameterList.Parameters.Select(p => p.Identifier.ValueText));
                returns = true;
                body = (SyntaxNode?)indexer.AccessorList ?? indexer.ExpressionBody;
                break;
            case EventDeclarationSyntax ev:
                symbol = ev.Identifier.ValueText;
                body = ev.AccessorList;
                break;
            case DelegateDeclarationSyntax del:
                symbol = del.Identifier.ValueText;
                typeParameters.AddRange(TypeParameters(del.TypeParameterList));
                parameters.AddRange(Parameters(del.ParameterList));
                returns = Returns(del.ReturnType);
                break;
            case TypeDeclarationSyntax type:
                symbol = type.Identifier.ValueText;
                typeParameters.AddRange(TypeParameters(type.TypeParameterList));
                parameters.AddRange(Parameters(type.ParameterList));
                break;
            case BaseTypeDeclarationSyntax type:
                symbol = type.Identifier.ValueText;
                break;
            case BaseFieldDeclarationSyntax field:
                symbol = string.Join(", ", field.Declaration.Variables.Select(v => v.Identifier.ValueText));
                body = field.Declaration;
                break;
            case EnumMemberDeclarationSyntax enumMember:
                symbol = enumMember.Identifier.ValueText;
                break;
            default:
                return null;
        }

        var exceptions = body is null ? [] : ThrownTypes(body);
        var sb = new StringBuilder();
        sb.Append(indentation).Append("/// <summary>\n");
        sb.Append(indentation).Append("/// \n");
        sb.Append(indentation).Append("/// </summary>\n");
        foreach (var name in typeParameters)
        {
            sb.Append(indentation).Append($"/// <typeparam name=\"{name}\"></typeparam>\n");
        }

        foreach (var name in parameters)
        {
            sb.Append(indentation).Append($"/// <param name=\"{name}\"></param>\n");
        }

        if (returns)
        {
            sb.Append(indentation).Append("/// <returns></returns>\n");
        }

        foreach (var exception in exceptions)
        {
            sb.Append(indentation).Append($"/// <exception cref=\"{exception}\"></exception>\n");
        }

        return new DocComment(insertLine.LineNumber, indentation, sb.ToString(), XmlDoc, symbol, Truncate(member.ToString()));
    }

    private static bool IsDocumentable(SyntaxNode node) =>
        node is BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax or BaseTypeDeclarationSyntax
            or DelegateDeclarationSyntax or BaseFieldDeclarationSyntax or EnumMemberDeclarationSyntax;

    private static IEnumerable<string> TypeParameters(TypeParameterListSyntax? list) =>
        list?.Parameters.Select(p => p.Identifier.ValueText) ?? [];

    private static IEnumerable<string> Parameters(BaseParameterListSyntax? list) =>
        list?.Parameters.Select(p => p.Identifier.ValueText).Where(n => n.Length > 0) ?? [];

    // void, Task and ValueTask return nothing worth documenting; Task<T> and everything else do.
    private static bool Returns(TypeSyntax type)
    {
        var name = type is QualifiedNameSyntax qualified ? qualified.Right : type;
        return name switch
        {
            PredefinedTypeSyntax predefined => !predefined.Keyword.IsKind(SyntaxKind.VoidKeyword),
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText is not ("Task" or "ValueTask"),
            _ => true,
        };
    }

    // The types of `throw new X(...)` statements and expressions, in order of appearance, without duplicates.
    private static List<string> ThrownTypes(SyntaxNode body)
    {
        var result = new List<string>();
        foreach (var node in body.DescendantNodes())
        {
            var thrown = node switch
            {
                ThrowStatementSyntax statement => statement.Expression,
                ThrowExpressionSyntax expression => expression.Expression,
                _ => null,
            };
            if (thrown is ObjectCreationExpressionSyntax creation)
            {
                var name = creation.Type.ToString();
                if (!result.Contains(name, StringComparer.Ordinal))
                {
                    result.Add(name);
                }
            }
        }

        return result;
    }

    // ---- JavaScript / TypeScript ----

    [GeneratedRegex(@"^(?<indent>\s*)(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(?<name>[\w$]+)\s*(?:<[^>]*>)?\s*\((?<params>[^)]*)\)?")]
    private static partial Regex JsFunction();

    [GeneratedRegex(@"^(?<indent>\s*)(?:export\s+)?(?:const|let|var)\s+(?<name>[\w$]+)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\s*\*?\s*[\w$]*\s*)?\((?<params>[^)]*)\)?")]
    private static partial Regex JsArrow();

    [GeneratedRegex(@"^(?<indent>\s*)(?:(?:public|private|protected|static|async|readonly|override|abstract|get|set)\s+)*(?<name>(?!if\b|for\b|while\b|switch\b|catch\b|return\b|function\b)[\w$]+)\s*(?:<[^>]*>)?\s*\((?<params>[^)]*)\)?\s*(?::\s*[^{]+)?\{?\s*$")]
    private static partial Regex JsMethod();

    [GeneratedRegex(@"^(?<indent>\s*)(?:export\s+)?(?:default\s+)?(?:abstract\s+)?(?:class|interface|enum|type)\s+(?<name>[\w$]+)")]
    private static partial Regex JsClass();

    private static DocComment? JsSkeleton(string[] lines, int line)
    {
        for (var i = line; i >= 0; i--)
        {
            var (match, isClass) = MatchJs(lines[i]);
            if (match is null)
            {
                continue;
            }

            var end = BlockEnd(lines, i);
            if (i != line && end < line)
            {
                continue; // A declaration above the caret that closed before it does not enclose it.
            }

            if (i > 0 && lines[i - 1].TrimEnd().EndsWith("*/", StringComparison.Ordinal))
            {
                return null;
            }

            var indentation = match.Groups["indent"].Value;
            var parameters = isClass ? [] : SplitParameters(match.Groups["params"].Value)
                .Select(p => Regex.Replace(p, @"^\.\.\.|[?]?\s*[:=].*$", "").Trim())
                .Where(p => p.Length > 0 && Regex.IsMatch(p, @"^[\w$]+$"))
                .ToList();
            var sb = new StringBuilder();
            sb.Append(indentation).Append("/**\n");
            sb.Append(indentation).Append(" * \n");
            foreach (var p in parameters)
            {
                sb.Append(indentation).Append(" * @param ").Append(p).Append('\n');
            }

            var declaration = string.Join('\n', lines[i..(end + 1)]);
            if (!isClass && (Regex.IsMatch(declaration, @"\breturn\s+[^;\s]") || Regex.IsMatch(lines[i], @"=>\s*[^{\s]")))
            {
                sb.Append(indentation).Append(" * @returns\n");
            }

            sb.Append(indentation).Append(" */\n");
            return new DocComment(i, indentation, sb.ToString(), JsDoc, match.Groups["name"].Value, Truncate(declaration));
        }

        return null;
    }

    private static (Match? Match, bool IsClass) MatchJs(string line)
    {
        foreach (var (regex, isClass) in new[] { (JsFunction(), false), (JsArrow(), false), (JsClass(), true), (JsMethod(), false) })
        {
            var match = regex.Match(line);
            if (match.Success)
            {
                return (match, isClass);
            }
        }

        return (null, false);
    }

    // The line where the brace block opened on (or after) `start` closes; `start` itself when there is none.
    private static int BlockEnd(string[] lines, int start)
    {
        var depth = 0;
        var opened = false;
        for (var i = start; i < lines.Length; i++)
        {
            foreach (var c in lines[i])
            {
                if (c == '{')
                {
                    depth++;
                    opened = true;
                }
                else if (c == '}')
                {
                    depth--;
                }
            }

            if (opened && depth <= 0)
            {
                return i;
            }

            if (!opened && i - start > 3)
            {
                break;
            }
        }

        return opened ? lines.Length - 1 : start;
    }

    // ---- Python ----

    [GeneratedRegex(@"^(?<indent>\s*)(?:async\s+)?(?<kind>def|class)\s+(?<name>\w+)")]
    private static partial Regex PythonDeclaration();

    private static DocComment? PythonSkeleton(string[] lines, int line)
    {
        var caretIndent = IndentOf(lines[line]);
        for (var i = line; i >= 0; i--)
        {
            var match = PythonDeclaration().Match(lines[i]);
            if (!match.Success)
            {
                continue;
            }

            var indent = match.Groups["indent"].Value;
            if (i != line && lines[line].Trim().Length > 0 && caretIndent <= indent.Length)
            {
                continue; // The caret is not inside this declaration's body.
            }

            // The signature runs until the line ending in ':' at bracket depth 0.
            var signature = new StringBuilder();
            var end = i;
            var depth = 0;
            for (; end < lines.Length; end++)
            {
                signature.Append(lines[end]).Append('\n');
                foreach (var c in lines[end])
                {
                    depth += c is '(' or '[' or '{' ? 1 : c is ')' or ']' or '}' ? -1 : 0;
                }

                if (depth <= 0 && lines[end].TrimEnd().EndsWith(':'))
                {
                    break;
                }
            }

            end = Math.Min(end, lines.Length - 1);
            var next = end + 1;
            while (next < lines.Length && lines[next].Trim().Length == 0)
            {
                next++;
            }

            if (next < lines.Length && Regex.IsMatch(lines[next], @"^\s*[rRuUbBfF]?(""""""|''')"))
            {
                return null;
            }

            var bodyIndent = next < lines.Length && IndentOf(lines[next]) > indent.Length
                ? lines[next][..IndentOf(lines[next])]
                : indent + "    ";
            var bodyEnd = next;
            while (bodyEnd + 1 < lines.Length && (lines[bodyEnd + 1].Trim().Length == 0 || IndentOf(lines[bodyEnd + 1]) > indent.Length))
            {
                bodyEnd++;
            }

            var sig = signature.ToString();
            var isClass = match.Groups["kind"].Value == "class";
            var parameters = new List<string>();
            if (!isClass)
            {
                var open = sig.IndexOf('(');
                var close = sig.LastIndexOf(')');
                if (open >= 0 && close > open)
                {
                    parameters.AddRange(SplitParameters(sig[(open + 1)..close])
                        .Select(p => Regex.Replace(p, @"[:=].*$", "", RegexOptions.Singleline).Trim().TrimStart('*'))
                        .Where(p => p.Length > 0 && p is not ("self" or "cls" or "/") && Regex.IsMatch(p, @"^\w+$")));
                }
            }

            var arrow = Regex.Match(sig, @"->\s*(?<type>[^:]+):\s*$");
            var body = string.Join('\n', lines[Math.Min(next, lines.Length - 1)..(Math.Min(bodyEnd, lines.Length - 1) + 1)]);
            var returns = !isClass && (arrow.Success ? arrow.Groups["type"].Value.Trim() != "None" : Regex.IsMatch(body, @"^\s*return\s+\S", RegexOptions.Multiline));

            var sb = new StringBuilder();
            sb.Append(bodyIndent).Append("\"\"\"\n");
            if (parameters.Count > 0)
            {
                sb.Append('\n').Append(bodyIndent).Append("Args:\n");
                foreach (var p in parameters)
                {
                    sb.Append(bodyIndent).Append("    ").Append(p).Append(":\n");
                }
            }

            if (returns)
            {
                sb.Append('\n').Append(bodyIndent).Append("Returns:\n");
                sb.Append(bodyIndent).Append("    \n");
            }

            sb.Append(bodyIndent).Append("\"\"\"\n");
            var declaration = string.Join('\n', lines[i..(Math.Min(bodyEnd, lines.Length - 1) + 1)]);
            return new DocComment(end + 1, bodyIndent, sb.ToString(), PythonDocstring, match.Groups["name"].Value, Truncate(declaration));
        }

        return null;
    }

    // ---- Rust and Go ----

    [GeneratedRegex(@"^(?<indent>\s*)(?:pub(?:\([^)]*\))?\s+)?(?:const\s+|async\s+|unsafe\s+|extern\s+""[^""]*""\s+)*(?:fn|struct|enum|trait|type|mod|const|static|union|impl)\s+(?<name>[\w]+)")]
    private static partial Regex RustDeclaration();

    [GeneratedRegex(@"^(?<indent>\s*)(?:func\s+(?:\([^)]*\)\s*)?(?<name>\w+)|type\s+(?<name>\w+)|(?:var|const)\s+(?<name>\w+))")]
    private static partial Regex GoDeclaration();

    private static DocComment? RustSkeleton(string[] lines, int line)
    {
        var found = FindDeclarationAbove(lines, line, RustDeclaration());
        if (found is not { } f)
        {
            return null;
        }

        // Insert above the attributes (#[...]) that precede the item.
        var insert = f.Line;
        while (insert > 0 && lines[insert - 1].TrimStart().StartsWith("#[", StringComparison.Ordinal))
        {
            insert--;
        }

        if (insert > 0 && lines[insert - 1].TrimStart().StartsWith("///", StringComparison.Ordinal))
        {
            return null;
        }

        var text = f.Indent + "/// \n";
        return new DocComment(insert, f.Indent, text, RustDoc, f.Name, Truncate(string.Join('\n', lines[f.Line..(BlockEnd(lines, f.Line) + 1)])));
    }

    private static DocComment? GoSkeleton(string[] lines, int line)
    {
        var found = FindDeclarationAbove(lines, line, GoDeclaration());
        if (found is not { } f)
        {
            return null;
        }

        if (f.Line > 0 && lines[f.Line - 1].TrimStart().StartsWith("//", StringComparison.Ordinal))
        {
            return null;
        }

        var text = f.Indent + "// " + f.Name + " \n";
        return new DocComment(f.Line, f.Indent, text, GoDoc, f.Name, Truncate(string.Join('\n', lines[f.Line..(BlockEnd(lines, f.Line) + 1)])));
    }

    [GeneratedRegex(@"^(?<indent>\s*)(?:[\w\s]*\s)?(?:function|def|fn|func|sub|proc|procedure|class|struct|module|interface)\s+(?<name>[\w$.:]+)")]
    private static partial Regex GenericDeclaration();

    private static DocComment? LineCommentSkeleton(string[] lines, int line, string prefix)
    {
        var found = FindDeclarationAbove(lines, line, GenericDeclaration());
        if (found is not { } f)
        {
            return null;
        }

        if (f.Line > 0 && lines[f.Line - 1].TrimStart().StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        return new DocComment(f.Line, f.Indent, f.Indent + prefix + " \n", LineComment, f.Name, Truncate(string.Join('\n', lines[f.Line..(BlockEnd(lines, f.Line) + 1)])));
    }

    private static (int Line, string Indent, string Name)? FindDeclarationAbove(string[] lines, int line, Regex regex)
    {
        for (var i = line; i >= 0; i--)
        {
            var match = regex.Match(lines[i]);
            if (match.Success && (i == line || BlockEnd(lines, i) >= line))
            {
                return (i, match.Groups["indent"].Value, match.Groups["name"].Value);
            }
        }

        return null;
    }

    // ---- Validation of the model's answer ----

    private static string? Validate(DocComment skeleton, string answer)
    {
        var body = Dedent(answer).TrimEnd('\n', ' ', '\r');
        if (body.Length == 0)
        {
            return null;
        }

        var answerLines = body.Split('\n').Select(l => l.TrimEnd('\r', ' ')).ToList();
        var ok = skeleton.Convention switch
        {
            XmlDoc => answerLines.All(l => l.TrimStart().StartsWith("///", StringComparison.Ordinal)) && body.Contains("<summary>", StringComparison.Ordinal),
            JsDoc => answerLines[0].TrimStart().StartsWith("/**", StringComparison.Ordinal) && answerLines[^1].Trim().EndsWith("*/", StringComparison.Ordinal),
            PythonDocstring => (answerLines[0].TrimStart().StartsWith("\"\"\"", StringComparison.Ordinal) && answerLines[^1].TrimEnd().EndsWith("\"\"\"", StringComparison.Ordinal)) && (answerLines.Count > 1 || answerLines[0].Trim().Length > 6),
            RustDoc => answerLines.All(l => l.TrimStart().StartsWith("///", StringComparison.Ordinal)),
            GoDoc => answerLines.All(l => l.TrimStart().StartsWith("//", StringComparison.Ordinal)) && skeleton.Symbol is not null && answerLines[0].TrimStart().StartsWith("// " + skeleton.Symbol, StringComparison.Ordinal),
            _ => answerLines.All(l => l.TrimStart().StartsWith(skeleton.Text.Trim().Split(' ')[0], StringComparison.Ordinal)),
        };
        if (!ok || RequiredEntries(skeleton).Any(entry => !body.Contains(entry, StringComparison.Ordinal)))
        {
            return null;
        }

        return string.Concat(answerLines.Select(l => (l.Length == 0 && skeleton.Convention == PythonDocstring ? "" : skeleton.Indentation + l) + "\n"));
    }

    // Fragments every accepted answer must keep: the parameter entries of the skeleton.
    private static IEnumerable<string> RequiredEntries(DocComment skeleton)
    {
        return skeleton.Convention switch
        {
            XmlDoc => Regex.Matches(skeleton.Text, @"<(?:param|typeparam) name=""[^""]+""").Select(m => m.Value),
            JsDoc => Regex.Matches(skeleton.Text, @"@param \S+").Select(m => m.Value),
            PythonDocstring => Regex.Matches(skeleton.Text, @"^\s+(\w+):$", RegexOptions.Multiline)
                .Select(m => m.Groups[1].Value + ":").Where(e => e is not ("Args:" or "Returns:")),
            _ => [],
        };
    }

    // The first sentence of prose in an answer, comment markers and XML tags removed; null when there is none.
    private static string? ProseSummary(string answer, string? symbol)
    {
        var text = Regex.Replace(answer, @"<(?:param|typeparam|exception)\b[^>]*>.*?</(?:param|typeparam|exception)>|<returns>.*?</returns>", " ", RegexOptions.Singleline);
        text = Regex.Replace(text, @"<[^>]+>", " ");
        var prose = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = Regex.Replace(raw.Trim(), @"^(?:///|//|/\*\*|\*/|\*|#|--|""""""|''')\s?", "").Trim().Trim('"');
            if (line.Length == 0)
            {
                if (prose.Count > 0)
                {
                    break;
                }

                continue;
            }

            if (line.StartsWith('@') || Regex.IsMatch(line, @"^(Args|Arguments|Returns|Raises|Parameters):"))
            {
                if (prose.Count > 0)
                {
                    break;
                }

                continue;
            }

            prose.Add(line);
        }

        var summary = string.Join(' ', prose).Trim();
        if (symbol is not null && summary.StartsWith(symbol + " ", StringComparison.Ordinal))
        {
            summary = summary[(symbol.Length + 1)..];
        }

        var sentence = Regex.Match(summary, @"^.*?[.!?](?=\s|$)");
        summary = sentence.Success ? sentence.Value : summary;
        return summary.Length == 0 ? null : summary;
    }

    private static string FillSummary(DocComment skeleton, string summary)
    {
        var lines = skeleton.Text.Split('\n');
        var i = skeleton.Convention switch
        {
            XmlDoc => 1,
            JsDoc => 1,
            _ => 0,
        };
        lines[i] = skeleton.Convention switch
        {
            GoDoc => lines[i].TrimEnd() + " " + summary,
            PythonDocstring => lines[i] + summary,
            _ => lines[i].TrimEnd() + " " + summary,
        };
        return string.Join('\n', lines);
    }

    // ---- Text helpers ----

    private static string[] SplitLines(string text) => text.Replace("\r\n", "\n").Split('\n');

    private static int IndentOf(string line) => line.Length - line.TrimStart().Length;

    private static string Truncate(string text) => text.Length <= MaxDeclarationChars ? text : text[..MaxDeclarationChars] + "\n…";

    internal static string StripFences(string text)
    {
        var fence = Regex.Match(text, @"```[\w+-]*\s*\n(?<body>.*?)```", RegexOptions.Singleline);
        return (fence.Success ? fence.Groups["body"].Value : text).Replace("\r\n", "\n");
    }

    private static string Dedent(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var indent = lines.Where(l => l.Trim().Length > 0).Select(IndentOf).DefaultIfEmpty(0).Min();
        var result = string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
        return result.Trim('\n') + "\n";
    }

    private static List<string> SplitParameters(string parameters)
    {
        var result = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < parameters.Length; i++)
        {
            var c = parameters[i];
            if (c is '(' or '[' or '{' or '<')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}' or '>')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                result.Add(parameters[start..i]);
                start = i + 1;
            }
        }

        result.Add(parameters[start..]);
        return result.Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
    }
}
