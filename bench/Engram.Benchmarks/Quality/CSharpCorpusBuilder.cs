using System.Globalization;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml.Linq;
using ICSharpCode.Decompiler;
using ICSharpCode.Decompiler.CSharp.ProjectDecompiler;
using ICSharpCode.Decompiler.Metadata;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using DecompilerLanguageVersion = ICSharpCode.Decompiler.CSharp.LanguageVersion;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// Builds a C# corpus from a NuGet package: decompiles its assembly with ICSharpCode.Decompiler into one file per
/// top-level type (namespace folders), strips every doc comment, and pairs each <c>&lt;summary&gt;</c> of the
/// package's XML documentation with its declaration through the Roslyn documentation id.
/// </summary>
internal static class CSharpCorpusBuilder
{
    private static readonly string[] s_frameworkPreference = ["net10.0", "net9.0", "net8.0", "net7.0", "net6.0", "net5.0", "netcoreapp3.1", "netstandard2.1", "netstandard2.0"];

    /// <summary>
    /// Writes the corpus into <paramref name="corpusDirectory"/> (emptied first) and returns it with its queries.
    /// <paramref name="packageFolder"/> is the extracted package (holding <c>lib/&lt;tfm&gt;/Id.dll</c> and
    /// <c>Id.xml</c>). Throws <see cref="InvalidOperationException"/> when the package has no assembly or no XML
    /// documentation for a supported framework.
    /// </summary>
    public static BenchCorpus Build(CorpusSpec spec, string packageFolder, string corpusDirectory, CancellationToken cancellationToken)
    {
        var (assemblyPath, framework) = FindAssembly(packageFolder, spec.PackageId);
        var xmlPath = Path.ChangeExtension(assemblyPath, ".xml");
        if (!File.Exists(xmlPath))
        {
            throw new InvalidOperationException($"{spec.PackageId} {spec.Version} ships no XML documentation beside {assemblyPath}");
        }

        var decompiled = corpusDirectory + ".decompiled";
        ResetDirectory(decompiled);
        ResetDirectory(corpusDirectory);
        Decompile(assemblyPath, decompiled, cancellationToken);

        var trees = new List<SyntaxTree>();
        var files = new List<string>();
        var parseOptions = new CSharpParseOptions(LanguageVersion.Preview);
        foreach (var source in Directory.EnumerateFiles(decompiled, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = Path.GetRelativePath(decompiled, source).Replace('\\', '/');
            var text = StripDocComments(File.ReadAllText(source), parseOptions);
            var destination = Path.Combine(corpusDirectory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.WriteAllText(destination, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            files.Add(relative);
            trees.Add(CSharpSyntaxTree.ParseText(text, parseOptions, path: relative, cancellationToken: cancellationToken));
        }

        Directory.Delete(decompiled, recursive: true);
        var declarations = IndexDeclarations(trees, cancellationToken);
        var notes = new Dictionary<string, string>
        {
            ["assembly"] = $"lib/{framework}/{Path.GetFileName(assemblyPath)}",
            ["files"] = files.Count.ToString(CultureInfo.InvariantCulture),
            ["declarationsWithDocId"] = declarations.Count.ToString(CultureInfo.InvariantCulture),
        };
        var documented = MatchSummaries(XDocument.Load(xmlPath), declarations, notes);
        var queries = QuerySetBuilder.Build(spec.Name, documented, notes);
        return new BenchCorpus(spec.Name, "csharp", $"{spec.PackageId} {spec.Version}", corpusDirectory, files, queries, notes);
    }

    /// <summary>
    /// Removes every XML doc comment (<c>///</c> and <c>/** */</c>) together with the lines it occupied, and
    /// normalises line endings to <c>\n</c>. Other comments stay.
    /// </summary>
    public static string StripDocComments(string text, CSharpParseOptions parseOptions)
    {
        text = text.ReplaceLineEndings("\n");
        var tree = CSharpSyntaxTree.ParseText(text, parseOptions);
        var source = tree.GetText();
        var removed = new HashSet<int>();
        foreach (var trivia in tree.GetRoot().DescendantTrivia(descendIntoTrivia: false))
        {
            if (!trivia.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia) &&
                !trivia.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia))
            {
                continue;
            }

            var span = source.Lines.GetLinePositionSpan(trivia.FullSpan);
            var last = span.End.Character == 0 && span.End.Line > span.Start.Line ? span.End.Line - 1 : span.End.Line;
            for (var line = span.Start.Line; line <= last; line++)
            {
                removed.Add(line);
            }
        }

        if (removed.Count == 0)
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        foreach (var line in source.Lines)
        {
            if (!removed.Contains(line.LineNumber))
            {
                result.Append(source.ToString(line.SpanIncludingLineBreak));
            }
        }

        return result.ToString();
    }

    private static (string Path, string Framework) FindAssembly(string packageFolder, string packageId)
    {
        foreach (var framework in s_frameworkPreference)
        {
            var candidate = Path.Combine(packageFolder, "lib", framework, packageId + ".dll");
            if (File.Exists(candidate))
            {
                return (candidate, framework);
            }
        }

        throw new InvalidOperationException($"no lib/<tfm>/{packageId}.dll for a supported framework in {packageFolder}");
    }

    private static void ResetDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
    }

    private static void Decompile(string assemblyPath, string outputDirectory, CancellationToken cancellationToken)
    {
        using var module = new PEFile(assemblyPath);
        var resolver = new UniversalAssemblyResolver(assemblyPath, false, module.DetectTargetFrameworkId());
        var settings = new DecompilerSettings(DecompilerLanguageVersion.Latest)
        {
            ThrowOnAssemblyResolveErrors = false,
            UseNestedDirectoriesForNamespaces = true,
            // The corpus must not carry the documentation that the queries come from.
            ShowXmlDocumentation = false,
        };
        var decompiler = new WholeProjectDecompiler(settings, resolver, null!, null!, null!)
        {
            MaxDegreeOfParallelism = Environment.ProcessorCount,
        };
        decompiler.DecompileProject(module, outputDirectory, TextWriter.Null, cancellationToken);
    }

    private static Dictionary<string, (TargetSpan Target, string Kind)> IndexDeclarations(
        IReadOnlyList<SyntaxTree> trees,
        CancellationToken cancellationToken)
    {
        var compilation = CSharpCompilation.Create(
            "Corpus",
            trees,
            RuntimeReferences(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        var result = new Dictionary<string, (TargetSpan, string)>(StringComparer.Ordinal);
        foreach (var tree in trees)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var model = compilation.GetSemanticModel(tree);
            var text = tree.GetText(cancellationToken);
            foreach (var node in tree.GetRoot(cancellationToken).DescendantNodes(n => n is not (BlockSyntax or ArrowExpressionClauseSyntax)))
            {
                switch (node)
                {
                    case BaseTypeDeclarationSyntax type:
                        // A type's own code is its header; its members carry their own docs and queries.
                        var headerEnd = type.OpenBraceToken.IsMissing || type.OpenBraceToken.Span.IsEmpty
                            ? type.Span.End
                            : type.OpenBraceToken.Span.End;
                        Add(model.GetDeclaredSymbol(type, cancellationToken), type.SpanStart, headerEnd, "type");
                        break;
                    case DelegateDeclarationSyntax @delegate:
                        Add(model.GetDeclaredSymbol(@delegate, cancellationToken), @delegate.SpanStart, @delegate.Span.End, "delegate");
                        break;
                    case BaseMethodDeclarationSyntax method:
                        Add(model.GetDeclaredSymbol(method, cancellationToken), method.SpanStart, method.Span.End, MethodKind(method));
                        break;
                    case BasePropertyDeclarationSyntax property:
                        var kind = property switch
                        {
                            IndexerDeclarationSyntax => "indexer",
                            EventDeclarationSyntax => "event",
                            _ => "property",
                        };
                        Add(model.GetDeclaredSymbol(property, cancellationToken), property.SpanStart, property.Span.End, kind);
                        break;
                    case BaseFieldDeclarationSyntax field:
                        foreach (var variable in field.Declaration.Variables)
                        {
                            Add(model.GetDeclaredSymbol(variable, cancellationToken), field.SpanStart, field.Span.End,
                                field is EventFieldDeclarationSyntax ? "event" : "field");
                        }

                        break;
                    case EnumMemberDeclarationSyntax member:
                        Add(model.GetDeclaredSymbol(member, cancellationToken), member.SpanStart, member.Span.End, "enum-member");
                        break;
                }
            }

            void Add(ISymbol? symbol, int start, int end, string kind)
            {
                var id = symbol?.GetDocumentationCommentId();
                if (id is null)
                {
                    return;
                }

                var startLine = text.Lines.GetLineFromPosition(start).LineNumber + 1;
                var endLine = text.Lines.GetLineFromPosition(Math.Max(start, end - 1)).LineNumber + 1;
                result.TryAdd(id, (new TargetSpan(tree.FilePath, startLine, endLine), kind));
            }
        }

        return result;
    }

    private static string MethodKind(BaseMethodDeclarationSyntax method) => method switch
    {
        ConstructorDeclarationSyntax => "constructor",
        OperatorDeclarationSyntax or ConversionOperatorDeclarationSyntax => "operator",
        _ => "method",
    };

    private static List<MetadataReference> RuntimeReferences()
    {
        // The decompiled code targets an older framework; the running runtime's assemblies resolve nearly all
        // of its types, which is what documentation ids need (a parameter type must bind to get its full name).
        var references = new List<MetadataReference>();
        foreach (var file in Directory.EnumerateFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"))
        {
            try
            {
                using (var stream = File.OpenRead(file))
                using (var reader = new PEReader(stream))
                {
                    if (!reader.HasMetadata)
                    {
                        continue;
                    }
                }

                references.Add(MetadataReference.CreateFromFile(file));
            }
            catch (BadImageFormatException)
            {
                // A native library that happens to end in .dll.
            }
        }

        return references;
    }

    private static List<DocumentedDeclaration> MatchSummaries(
        XDocument documentation,
        IReadOnlyDictionary<string, (TargetSpan Target, string Kind)> declarations,
        IDictionary<string, string> notes)
    {
        var result = new List<DocumentedDeclaration>();
        int withSummary = 0, tooShort = 0, namespaces = 0, unmatched = 0;
        var unmatchedExamples = new List<string>();
        foreach (var member in documentation.Descendants("member"))
        {
            var id = member.Attribute("name")?.Value;
            var summary = member.Element("summary");
            if (id is null || summary is null)
            {
                continue;
            }

            withSummary++;
            if (id.StartsWith("N:", StringComparison.Ordinal))
            {
                namespaces++;
                continue;
            }

            var text = XmlSummaryRenderer.Render(summary);
            if (XmlSummaryRenderer.WordCount(text) < QuerySetBuilder.MinimumWords)
            {
                tooShort++;
                continue;
            }

            if (!declarations.TryGetValue(id, out var declaration))
            {
                unmatched++;
                if (unmatchedExamples.Count < 8)
                {
                    unmatchedExamples.Add(id);
                }

                continue;
            }

            result.Add(new DocumentedDeclaration(text, declaration.Target, declaration.Kind));
        }

        notes["summaries"] = withSummary.ToString(CultureInfo.InvariantCulture);
        notes["skippedNamespaceSummaries"] = namespaces.ToString(CultureInfo.InvariantCulture);
        notes["skippedUnderSixWords"] = tooShort.ToString(CultureInfo.InvariantCulture);
        notes["unmatchedDocIds"] = unmatched.ToString(CultureInfo.InvariantCulture);
        if (unmatchedExamples.Count > 0)
        {
            notes["unmatchedExamples"] = string.Join(" ", unmatchedExamples);
        }

        return result;
    }
}
