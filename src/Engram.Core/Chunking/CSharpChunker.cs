using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Engram.Core.Chunking;

/// <summary>
/// Chunks C# source with Roslyn's parser (syntax only, no compilation): one chunk per type member, one
/// header chunk per type, one per run of fields, per enum body and per run of top-level statements.
/// </summary>
/// <remarks>
/// Roslyn recovers from any syntax error, so malformed or half-typed code still yields chunks; members it
/// cannot make sense of (<see cref="IncompleteMemberSyntax"/>) are left out. Using directives, assembly
/// attributes and file header comments belong to no chunk.
/// </remarks>
internal static class CSharpChunker
{
    /// <summary>The symbol of the chunk that holds a file's top-level statements.</summary>
    public const string TopLevelStatementsSymbol = "<top-level statements>";

    // Structured doc-comment parsing costs about 40% of parse time and we only need the comment text,
    // so doc comments stay plain comment trivia and are recognised by their markers (see IsDocLine).
    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Preview, DocumentationMode.None);

    /// <summary>Chunks <paramref name="text"/>; the result is ordered by start line.</summary>
    public static Chunk[] Chunk(string path, string text, ChunkerOptions options)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(text, s_parseOptions);
        var root = (CompilationUnitSyntax)tree.GetRoot();
        var sink = new Sink(path, new SourceLines(text), options, []);
        AddMembers(sink, root.Members, container: null);

        // Members come out in document order already; the stable sort only settles doc comments that Roslyn
        // attached across odd trivia.
        return [.. sink.Output.OrderBy(c => c.StartLine)];
    }

    private static void AddMembers(Sink sink, SyntaxList<MemberDeclarationSyntax> members, string? container)
    {
        int i = 0;
        while (i < members.Count)
        {
            MemberDeclarationSyntax member = members[i];
            if (member is FieldDeclarationSyntax or GlobalStatementSyntax)
            {
                int last = i;
                while (last + 1 < members.Count && members[last + 1].RawKind == member.RawKind)
                {
                    last++;
                }

                string symbol = member is FieldDeclarationSyntax field
                    ? VariableNames(field.Declaration)
                    : TopLevelStatementsSymbol;
                string kind = member is FieldDeclarationSyntax ? ChunkKinds.Fields : ChunkKinds.Method;
                Add(sink, kind, symbol, container, member, End(members[last]));
                i = last + 1;
                continue;
            }

            AddMember(sink, member, container);
            i++;
        }
    }

    private static void AddMember(Sink sink, MemberDeclarationSyntax member, string? container)
    {
        switch (member)
        {
            case BaseNamespaceDeclarationSyntax ns:
                AddMembers(sink, ns.Members, Join(container, NameText(ns.Name)));
                break;

            case EnumDeclarationSyntax enumDeclaration:
                AddTypeHeader(sink, enumDeclaration, container);
                AddEnumMembers(sink, enumDeclaration, container);
                break;

            case TypeDeclarationSyntax type:
                AddTypeHeader(sink, type, container);
                string? name = Identifier(type.Identifier);
                AddMembers(sink, type.Members, name is null ? container : Join(container, name));
                break;

            case DelegateDeclarationSyntax d:
                Add(sink, ChunkKinds.Delegate, Identifier(d.Identifier), container, d);
                break;

            case MethodDeclarationSyntax m:
                Add(sink, ChunkKinds.Method, Identifier(m.Identifier), container, m);
                break;

            case DestructorDeclarationSyntax d:
                Add(sink, ChunkKinds.Method, "~" + d.Identifier.ValueText, container, d);
                break;

            case ConstructorDeclarationSyntax c:
                Add(sink, ChunkKinds.Constructor, Identifier(c.Identifier), container, c);
                break;

            case PropertyDeclarationSyntax p:
                Add(sink, ChunkKinds.Property, Identifier(p.Identifier), container, p);
                break;

            case IndexerDeclarationSyntax indexer:
                Add(sink, ChunkKinds.Indexer, "this[]", container, indexer);
                break;

            case OperatorDeclarationSyntax o:
                string checkedText = o.CheckedKeyword.IsKind(SyntaxKind.None) ? "" : "checked ";
                Add(sink, ChunkKinds.Operator, $"operator {checkedText}{o.OperatorToken.Text}", container, o);
                break;

            case ConversionOperatorDeclarationSyntax conversion:
                string target = conversion.Type.NormalizeWhitespace().ToString();
                Add(sink, ChunkKinds.Operator, $"{conversion.ImplicitOrExplicitKeyword.Text} operator {target}", container, conversion);
                break;

            case EventDeclarationSyntax e:
                Add(sink, ChunkKinds.Event, Identifier(e.Identifier), container, e);
                break;

            case EventFieldDeclarationSyntax e:
                Add(sink, ChunkKinds.Event, VariableNames(e.Declaration), container, e);
                break;

            default:
                // IncompleteMemberSyntax (half-typed code) and anything a newer parser may add.
                break;
        }
    }

    /// <summary>The type's declaration up to and including its opening brace, or all of it when it has no body.</summary>
    private static void AddTypeHeader(Sink sink, BaseTypeDeclarationSyntax type, string? container)
    {
        int end;
        if (!type.OpenBraceToken.IsKind(SyntaxKind.None) && !type.OpenBraceToken.IsMissing)
        {
            end = type.OpenBraceToken.Span.End;
        }
        else if (FirstMember(type) is { } firstMember)
        {
            // Opening brace missing (code being typed): stop before the first member.
            end = Math.Max(type.SpanStart, firstMember.GetFirstToken().GetPreviousToken().Span.End);
        }
        else
        {
            end = End(type);
        }

        string? symbol = type is ExtensionBlockDeclarationSyntax extension
            ? "extension" + (extension.ParameterList?.NormalizeWhitespace().ToString() ?? "()")
            : Identifier(type.Identifier);
        Add(sink, ChunkKinds.Type, symbol, container, type, end);
    }

    private static void AddEnumMembers(Sink sink, EnumDeclarationSyntax enumDeclaration, string? container)
    {
        SeparatedSyntaxList<EnumMemberDeclarationSyntax> members = enumDeclaration.Members;
        if (members.Count == 0)
        {
            return;
        }

        int end = End(members[^1]);
        if (members.SeparatorCount == members.Count && !members.GetSeparator(members.SeparatorCount - 1).IsMissing)
        {
            // Trailing comma.
            end = Math.Max(end, members.GetSeparator(members.SeparatorCount - 1).Span.End);
        }

        Add(sink, ChunkKinds.EnumMembers, Identifier(enumDeclaration.Identifier), container, members[0], end);
    }

    private static SyntaxNode? FirstMember(BaseTypeDeclarationSyntax type) => type switch
    {
        TypeDeclarationSyntax t when t.Members.Count > 0 => t.Members[0],
        EnumDeclarationSyntax e when e.Members.Count > 0 => e.Members[0],
        _ => null,
    };

    private static void Add(Sink sink, string kind, string? symbol, string? container, SyntaxNode first) =>
        Add(sink, kind, symbol, container, first, End(first));

    /// <summary>Adds the chunk that starts with <paramref name="first"/>'s leading comments and ends at <paramref name="end"/>.</summary>
    private static void Add(Sink sink, string kind, string? symbol, string? container, SyntaxNode first, int end)
    {
        (string? doc, int docStart, int codeStart) = Leading(first);
        int startLine = sink.Lines.IndexOf(docStart);
        var draft = new ChunkDraft(kind, symbol, container, doc, startLine, codeStart, Math.Max(end, codeStart));
        ChunkSplitter.Add(sink.Output, sink.Path, sink.Lines, draft, sink.Options);
    }

    /// <summary>
    /// Reads a node's leading trivia: the last doc comment (a run of <c>///</c> lines or one <c>/** */</c>
    /// block) becomes the doc, and ordinary comments directly above the node (no blank line between,
    /// nothing but white space and comments) start its code.
    /// </summary>
    /// <returns>The cleaned doc comment or null, where the chunk's range starts, and where its code starts.</returns>
    private static (string? Doc, int Start, int CodeStart) Leading(SyntaxNode node)
    {
        SyntaxTriviaList trivia = node.GetLeadingTrivia();
        int docLast = trivia.Count - 1;
        while (docLast >= 0 && !IsDocLine(trivia[docLast]) && !IsDocBlock(trivia[docLast]))
        {
            docLast--;
        }

        int codeStart = node.SpanStart;
        int lineBreaks = 0;
        for (int k = trivia.Count - 1; k > docLast && lineBreaks < 2; k--)
        {
            SyntaxTrivia t = trivia[k];
            if (t.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                lineBreaks++;
            }
            else if (t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia))
            {
                codeStart = t.SpanStart;
                lineBreaks = 0;
            }
            else if (!t.IsKind(SyntaxKind.WhitespaceTrivia))
            {
                break;
            }
        }

        if (docLast < 0)
        {
            return (null, codeStart, codeStart);
        }

        if (IsDocBlock(trivia[docLast]))
        {
            return (DocComments.Clean(trivia[docLast].ToString()), trivia[docLast].SpanStart, codeStart);
        }

        // Gather the /// lines above the last one, up to a blank line or anything else.
        int docFirst = docLast;
        lineBreaks = 0;
        for (int k = docLast - 1; k >= 0 && lineBreaks < 2; k--)
        {
            SyntaxTrivia t = trivia[k];
            if (t.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                lineBreaks++;
            }
            else if (IsDocLine(t))
            {
                docFirst = k;
                lineBreaks = 0;
            }
            else if (!t.IsKind(SyntaxKind.WhitespaceTrivia))
            {
                break;
            }
        }

        var raw = new System.Text.StringBuilder();
        for (int k = docFirst; k <= docLast; k++)
        {
            if (IsDocLine(trivia[k]))
            {
                raw.Append(trivia[k].ToString()).Append('\n');
            }
        }

        return (DocComments.Clean(raw.ToString()), trivia[docFirst].SpanStart, codeStart);
    }

    /// <summary>A <c>///</c> comment line (<c>////</c> is an ordinary comment, as in the compiler).</summary>
    private static bool IsDocLine(SyntaxTrivia trivia) =>
        trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) && IsDocLineText(trivia.ToString());

    /// <summary>A <c>/** */</c> comment (<c>/**/</c> is an ordinary comment, as in the compiler).</summary>
    private static bool IsDocBlock(SyntaxTrivia trivia)
    {
        if (!trivia.IsKind(SyntaxKind.MultiLineCommentTrivia))
        {
            return false;
        }

        string text = trivia.ToString();
        return text.StartsWith("/**", StringComparison.Ordinal) && !text.StartsWith("/**/", StringComparison.Ordinal);
    }

    private static bool IsDocLineText(string text) =>
        text.StartsWith("///", StringComparison.Ordinal) && !text.StartsWith("////", StringComparison.Ordinal);

    /// <summary>Where a node's last real token ends: missing tokens that error recovery inserts have no text.</summary>
    private static int End(SyntaxNode node)
    {
        SyntaxToken last = node.GetLastToken();
        return last.IsKind(SyntaxKind.None) ? node.SpanStart : last.Span.End;
    }

    private static string VariableNames(VariableDeclarationSyntax declaration) =>
        string.Join(", ", declaration.Variables.Select(v => v.Identifier.ValueText).Where(n => n.Length > 0));

    private static string? Identifier(SyntaxToken identifier) =>
        identifier.ValueText is { Length: > 0 } text ? text : null;

    private static string? NameText(NameSyntax name)
    {
        string text = WithoutWhiteSpace(name.ToString());
        return text.Length > 0 ? text : null;
    }

    private static string? Join(string? container, string? name) =>
        name is null ? container : container is null ? name : container + "." + name;

    private static string WithoutWhiteSpace(string text)
    {
        if (!text.AsSpan().ContainsAny(" \t\r\n"))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private readonly record struct Sink(string Path, SourceLines Lines, ChunkerOptions Options, List<Chunk> Output);
}
