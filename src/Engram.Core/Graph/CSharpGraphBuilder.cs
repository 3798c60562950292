using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Engram.Core.Graph;

/// <summary>
/// Extracts the C# part of the code graph with Roslyn semantic binding: one compilation per <c>.csproj</c> (its
/// folder's C# files, its project references as compilation references, the SDK's reference assemblies), and one
/// loose compilation for C# files outside every project.
/// </summary>
/// <remarks>
/// <para>Project files are read as XML only: MSBuild is never evaluated, so no targets, imports, analyzers or source
/// generators run. Package references are not restored; names from packages bind to error types and their edges are
/// kept by name with <c>resolved: false</c>.</para>
/// <para>Compilations are built from the files on disk the first time a project is needed and reused for the life of
/// the builder (one index update). Not thread-safe.</para>
/// </remarks>
public sealed class CSharpGraphBuilder
{
    private const int MaxSignature = 200;
    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Preview, DocumentationMode.Parse);
    private static readonly string s_implicitUsings = string.Join('\n', new[]
    {
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks",
    }.Select(n => $"global using global::{n};"));

    private readonly Func<string, string?> _readText;
    private readonly Dictionary<string, CSharpProject> _projects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _filesByProject = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CSharpCompilation> _compilations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _building = new(StringComparer.Ordinal);
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <summary>Creates a builder over the root's files.</summary>
    /// <param name="paths">Root-relative paths (forward slashes) of every indexable file of the root.</param>
    /// <param name="readText">Reads a root-relative file through the workspace guard; null when unreadable.</param>
    public CSharpGraphBuilder(IEnumerable<string> paths, Func<string, string?> readText)
    {
        _readText = readText;
        var all = paths.ToList();
        foreach (var path in all.Where(p => p.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)))
        {
            _projects[path] = CSharpProject.Parse(path, readText(path) ?? "");
        }

        foreach (var path in all.Where(IsCSharp).Order(StringComparer.Ordinal))
        {
            var project = ProjectOf(path);
            if (!_filesByProject.TryGetValue(project, out var list))
            {
                _filesByProject[project] = list = [];
            }

            list.Add(path);
        }
    }

    /// <summary>The key of the loose compilation (C# files outside every project).</summary>
    public const string LooseProject = "";

    /// <summary>True for paths the C# graph covers (<c>.cs</c>, <c>.csx</c>).</summary>
    public static bool IsCSharp(string path) =>
        path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The graphs to write after <paramref name="changed"/> paths changed: each changed C# file rebound, and, when a
    /// file's declarations changed (added, removed or re-signed symbols, a deleted file or an edited project file),
    /// every file of its project and of the projects that depend on it. Paths already written by this builder are
    /// not returned again.
    /// </summary>
    /// <param name="changed">Root-relative paths that were edited, added or deleted.</param>
    /// <param name="storedDeclarations">The declarations the store holds for a path, as (key, name path, kind, signature).</param>
    public IReadOnlyList<FileGraph> Rebind(IEnumerable<string> changed, Func<string, IReadOnlySet<string>> storedDeclarations)
    {
        var result = new List<FileGraph>();
        var widen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in changed.Order(StringComparer.Ordinal))
        {
            if (path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            {
                widen.Add(path);
                continue;
            }

            if (!IsCSharp(path) || _written.Contains(path))
            {
                continue;
            }

            var graph = Bind(path);
            result.Add(graph);
            _written.Add(path);
            if (!Declarations(graph).SetEquals(storedDeclarations(path)))
            {
                widen.Add(ProjectOf(path));
            }
        }

        foreach (var project in Dependents(widen))
        {
            foreach (var path in _filesByProject.GetValueOrDefault(project) ?? [])
            {
                if (_written.Add(path))
                {
                    result.Add(Bind(path));
                }
            }
        }

        return result;
    }

    /// <summary>The declaration signature set the incremental check compares.</summary>
    public static HashSet<string> Declarations(FileGraph graph) =>
        graph.Symbols.Select(s => Declaration(s.Key, s.NamePath, s.Kind, s.Signature)).ToHashSet(StringComparer.Ordinal);

    /// <summary>One entry of <see cref="Declarations"/>.</summary>
    public static string Declaration(string key, string namePath, string kind, string signature) => $"{key}\n{namePath}\n{kind}\n{signature}";

    /// <summary>The graph of one C# file (empty when the file no longer exists).</summary>
    public FileGraph Bind(string path)
    {
        var compilation = Compilation(ProjectOf(path));
        var tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == path);
        if (tree is null)
        {
            return new FileGraph(path, [], []);
        }

        var model = compilation.GetSemanticModel(tree);
        var extractor = new Extractor(path, model);
        return extractor.Run();
    }

    private string ProjectOf(string path)
    {
        var best = LooseProject;
        var bestLength = -1;
        foreach (var project in _projects.Values)
        {
            var inside = project.Folder.Length == 0 || path.StartsWith(project.Folder + "/", StringComparison.Ordinal);
            if (inside && project.Folder.Length > bestLength)
            {
                best = project.Path;
                bestLength = project.Folder.Length;
            }
        }

        return best;
    }

    // The projects in `changed` and every project that references one of them, transitively; the loose compilation
    // references every project, so it depends on all of them.
    private IEnumerable<string> Dependents(HashSet<string> changed)
    {
        if (changed.Count == 0)
        {
            return [];
        }

        var result = new HashSet<string>(changed, StringComparer.Ordinal);
        var grew = true;
        while (grew)
        {
            grew = false;
            foreach (var project in _projects.Values)
            {
                if (!result.Contains(project.Path) && project.ProjectReferences.Any(result.Contains))
                {
                    result.Add(project.Path);
                    grew = true;
                }
            }
        }

        result.Add(LooseProject);
        return result.Order(StringComparer.Ordinal);
    }

    private CSharpCompilation Compilation(string project)
    {
        if (_compilations.TryGetValue(project, out var cached))
        {
            return cached;
        }

        _building.Add(project);
        var trees = new List<SyntaxTree>();
        foreach (var path in _filesByProject.GetValueOrDefault(project) ?? [])
        {
            if (_readText(path) is { } text)
            {
                var options = path.EndsWith(".csx", StringComparison.OrdinalIgnoreCase) ? s_parseOptions.WithKind(SourceCodeKind.Script) : s_parseOptions;
                trees.Add(CSharpSyntaxTree.ParseText(text, options, path));
            }
        }

        var references = new List<MetadataReference>(ReferenceAssemblies.Framework);
        var referenced = project == LooseProject
            ? _projects.Keys.Order(StringComparer.Ordinal).ToList()
            : _projects[project].ProjectReferences.Where(_projects.ContainsKey).ToList();
        foreach (var reference in referenced)
        {
            // A reference cycle (invalid in MSBuild too) is cut where it closes.
            if (!_building.Contains(reference))
            {
                references.Add(Compilation(reference).ToMetadataReference());
            }
        }

        if (project != LooseProject && _projects[project].ImplicitUsings)
        {
            trees.Add(CSharpSyntaxTree.ParseText(s_implicitUsings, s_parseOptions, $"{project}#ImplicitUsings.g.cs"));
        }

        var name = project == LooseProject ? "engram-loose" : Path.GetFileNameWithoutExtension(project);
        var compilation = CSharpCompilation.Create(
            name,
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        _building.Remove(project);
        _compilations[project] = compilation;
        return compilation;
    }

    private sealed class Extractor(string path, SemanticModel model)
    {
        private readonly Dictionary<SyntaxNode, string> _keys = [];
        private readonly List<GraphSymbol> _symbols = [];
        private readonly HashSet<GraphEdge> _edges = [];

        public FileGraph Run()
        {
            var root = model.SyntaxTree.GetRoot();
            foreach (var node in root.DescendantNodes())
            {
                switch (node)
                {
                    case BaseTypeDeclarationSyntax or DelegateDeclarationSyntax or BaseMethodDeclarationSyntax
                        or BasePropertyDeclarationSyntax or EnumMemberDeclarationSyntax:
                        Declare(node, node, model.GetDeclaredSymbol(node));
                        break;
                    case BaseFieldDeclarationSyntax field:
                        foreach (var variable in field.Declaration.Variables)
                        {
                            Declare(variable, field, model.GetDeclaredSymbol(variable));
                        }

                        break;
                }
            }

            foreach (var node in root.DescendantNodes())
            {
                if (node is SimpleNameSyntax name)
                {
                    Occurrence(name);
                }
                else if (node is ObjectCreationExpressionSyntax creation && model.GetSymbolInfo(creation).Symbol is IMethodSymbol constructor && InSource(constructor))
                {
                    AddEdge(creation.Type, Key(constructor), EdgeKinds.Call, resolved: true);
                }
            }

            var edges = _edges.OrderBy(e => e.Line).ThenBy(e => e.Column).ThenBy(e => e.ToKey, StringComparer.Ordinal).ThenBy(e => e.Kind, StringComparer.Ordinal).ToList();
            return new FileGraph(path, _symbols, edges);
        }

        private void Declare(SyntaxNode node, SyntaxNode span, ISymbol? symbol)
        {
            if (symbol is null)
            {
                return;
            }

            var key = Key(symbol);
            _keys[node] = key;
            var identifier = Identifier(node);
            var lines = span.GetLocation().GetLineSpan();
            var selectionLine = identifier.GetLocation().GetLineSpan().StartLinePosition.Line;
            var signature = model.SyntaxTree.GetText().Lines[selectionLine].ToString().Trim();
            if (signature.Length > MaxSignature)
            {
                signature = signature[..MaxSignature];
            }

            var parent = symbol.ContainingType is { } container ? Key(container) : null;
            _symbols.Add(new GraphSymbol(
                key, symbol.Name, NamePath(symbol), Kind(symbol), path,
                lines.StartLinePosition.Line + 1, lines.EndLinePosition.Line + 1, selectionLine + 1,
                signature, Summary(symbol), parent));

            if (symbol.IsOverride && Overridden(symbol) is { } overridden && InSource(overridden))
            {
                AddEdge(identifier, key, Key(overridden), EdgeKinds.Overrides);
            }

            if (symbol.ContainingType is { TypeKind: TypeKind.Class or TypeKind.Struct } type && symbol is IMethodSymbol or IPropertySymbol or IEventSymbol)
            {
                foreach (var member in type.AllInterfaces.SelectMany(i => i.GetMembers(symbol is IMethodSymbol m && m.ExplicitInterfaceImplementations.Length > 0 ? m.ExplicitInterfaceImplementations[0].Name : symbol.Name)))
                {
                    if (InSource(member) && SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), symbol))
                    {
                        AddEdge(identifier, key, Key(member.OriginalDefinition), EdgeKinds.Implements);
                    }
                }
            }
        }

        private void Occurrence(SimpleNameSyntax name)
        {
            if (name.IsVar || name.Parent is NameColonSyntax || (name.Identifier.Text == "nameof" && name.Parent is InvocationExpressionSyntax))
            {
                return;
            }

            var info = model.GetSymbolInfo(name);
            var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
            var import = name.Ancestors().Any(a => a is UsingDirectiveSyntax);
            if (symbol is null || symbol is INamedTypeSymbol { TypeKind: TypeKind.Error })
            {
                // Keep the leftmost unresolved name only: `Pkg.Client.Send()` records `Pkg`, not each member after it.
                var rightOfDot = name.Parent is MemberAccessExpressionSyntax access && access.Name == name
                    || name.Parent is QualifiedNameSyntax qualified && qualified.Right == name
                    || name.Parent is MemberBindingExpressionSyntax;
                if (!rightOfDot && info.CandidateSymbols.IsEmpty && !import)
                {
                    AddEdge(name, "?:" + name.Identifier.Text, EdgeKind(name, null), resolved: false);
                }

                return;
            }

            switch (symbol)
            {
                case INamespaceSymbol when import:
                    AddEdge(name, Key(symbol), EdgeKinds.Import, resolved: true);
                    return;
                case INamedTypeSymbol or IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol:
                    break;
                default:
                    return;
            }

            if (symbol is IMethodSymbol method)
            {
                symbol = method.ReducedFrom ?? method;
            }

            symbol = symbol.OriginalDefinition;
            if (!InSource(symbol))
            {
                return;
            }

            AddEdge(name, Key(symbol), import ? EdgeKinds.Import : EdgeKind(name, symbol), resolved: true);
        }

        private static string EdgeKind(SimpleNameSyntax name, ISymbol? symbol)
        {
            SyntaxNode expression = name;
            if (name.Parent is MemberAccessExpressionSyntax access && access.Name == name)
            {
                expression = access;
            }
            else if (name.Parent is MemberBindingExpressionSyntax binding)
            {
                expression = binding;
            }

            if (expression.Parent is InvocationExpressionSyntax invocation && invocation.Expression == expression)
            {
                return EdgeKinds.Call;
            }

            // The outermost type expression the name belongs to (`List<Invoice>` for `Invoice`).
            SyntaxNode type = name;
            while (type.Parent is TypeSyntax or TypeArgumentListSyntax)
            {
                type = type.Parent;
            }

            if (type.Parent is BaseTypeSyntax { Parent: BaseListSyntax { Parent: BaseTypeDeclarationSyntax declaration } } baseType && baseType.Type == type && type == name)
            {
                var isInterface = symbol is INamedTypeSymbol { TypeKind: TypeKind.Interface };
                return isInterface && declaration is not InterfaceDeclarationSyntax ? EdgeKinds.Implements : EdgeKinds.Inherits;
            }

            if (symbol is null or INamedTypeSymbol && type.Parent switch
            {
                ParameterSyntax p => p.Type == type,
                VariableDeclarationSyntax v => v.Type == type,
                PropertyDeclarationSyntax p => p.Type == type,
                IndexerDeclarationSyntax i => i.Type == type,
                EventDeclarationSyntax e => e.Type == type,
                MethodDeclarationSyntax m => m.ReturnType == type,
                DelegateDeclarationSyntax d => d.ReturnType == type,
                LocalFunctionStatementSyntax l => l.ReturnType == type,
                _ => false,
            })
            {
                return EdgeKinds.TypeOf;
            }

            return EdgeKinds.Reference;
        }

        private void AddEdge(SyntaxNode at, string toKey, string kind, bool resolved) =>
            AddEdge(at, From(at), toKey, kind, resolved);

        private void AddEdge(SyntaxToken at, string fromKey, string toKey, string kind)
        {
            var position = at.GetLocation().GetLineSpan().StartLinePosition;
            _edges.Add(new GraphEdge(path, fromKey, position.Line + 1, position.Character + 1, toKey, kind, true));
        }

        private void AddEdge(SyntaxNode at, string? fromKey, string toKey, string kind, bool resolved)
        {
            var position = at.GetLocation().GetLineSpan().StartLinePosition;
            _edges.Add(new GraphEdge(path, fromKey, position.Line + 1, position.Character + 1, toKey, kind, resolved));
        }

        private string? From(SyntaxNode node)
        {
            foreach (var ancestor in node.Ancestors())
            {
                if (_keys.TryGetValue(ancestor, out var key))
                {
                    return key;
                }

                if (ancestor is BaseFieldDeclarationSyntax field && field.Declaration.Variables.FirstOrDefault() is { } first && _keys.TryGetValue(first, out var fieldKey))
                {
                    return fieldKey;
                }
            }

            return null;
        }

        private static ISymbol? Overridden(ISymbol symbol) => symbol switch
        {
            IMethodSymbol m => m.OverriddenMethod?.OriginalDefinition,
            IPropertySymbol p => p.OverriddenProperty?.OriginalDefinition,
            IEventSymbol e => e.OverriddenEvent?.OriginalDefinition,
            _ => null,
        };

        private static bool InSource(ISymbol symbol) => symbol.Locations.Any(l => l.IsInSource);

        private string Key(ISymbol symbol) => symbol.GetDocumentationCommentId() ?? $"{path}#{NamePath(symbol).Replace('/', '.')}";

        private static SyntaxToken Identifier(SyntaxNode node) => node switch
        {
            BaseTypeDeclarationSyntax t => t.Identifier,
            DelegateDeclarationSyntax d => d.Identifier,
            MethodDeclarationSyntax m => m.Identifier,
            ConstructorDeclarationSyntax c => c.Identifier,
            DestructorDeclarationSyntax d => d.Identifier,
            OperatorDeclarationSyntax o => o.OperatorToken,
            ConversionOperatorDeclarationSyntax c => c.Type.GetFirstToken(),
            PropertyDeclarationSyntax p => p.Identifier,
            IndexerDeclarationSyntax i => i.ThisKeyword,
            EventDeclarationSyntax e => e.Identifier,
            EnumMemberDeclarationSyntax e => e.Identifier,
            VariableDeclaratorSyntax v => v.Identifier,
            _ => node.GetFirstToken(),
        };

        private static string NamePath(ISymbol symbol)
        {
            var parts = new List<string>();
            for (var current = symbol; current is not null and not INamespaceSymbol; current = current.ContainingSymbol)
            {
                parts.Add(Segment(current));
            }

            parts.Reverse();
            return string.Join('/', parts);
        }

        // The name, with the 0-based overload index when the container declares more than one member of that name.
        private static string Segment(ISymbol symbol)
        {
            var definition = symbol is IMethodSymbol { PartialDefinitionPart: { } partial } ? partial : symbol;
            var container = (INamespaceOrTypeSymbol?)symbol.ContainingType ?? symbol.ContainingNamespace;
            if (container is null)
            {
                return symbol.Name;
            }

            var siblings = container.GetMembers(symbol.Name).Where(m => !m.IsImplicitlyDeclared && m.Locations.Any(l => l.IsInSource)).ToList();
            if (siblings.Count < 2)
            {
                return symbol.Name;
            }

            siblings.Sort((a, b) =>
            {
                var la = a.Locations.First(l => l.IsInSource);
                var lb = b.Locations.First(l => l.IsInSource);
                var byPath = string.CompareOrdinal(la.SourceTree!.FilePath, lb.SourceTree!.FilePath);
                return byPath != 0 ? byPath : la.SourceSpan.Start.CompareTo(lb.SourceSpan.Start);
            });
            var index = siblings.FindIndex(s => SymbolEqualityComparer.Default.Equals(s, definition));
            return index < 0 ? symbol.Name : $"{symbol.Name}[{index}]";
        }

        private static string Kind(ISymbol symbol) => symbol switch
        {
            INamedTypeSymbol { TypeKind: TypeKind.Interface } => "Interface",
            INamedTypeSymbol { TypeKind: TypeKind.Struct } => "Struct",
            INamedTypeSymbol { TypeKind: TypeKind.Enum } => "Enum",
            INamedTypeSymbol => "Class",
            IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } => "Constructor",
            IMethodSymbol { MethodKind: MethodKind.UserDefinedOperator or MethodKind.Conversion } => "Operator",
            IMethodSymbol => "Method",
            IPropertySymbol => "Property",
            IFieldSymbol { ContainingType.TypeKind: TypeKind.Enum } => "EnumMember",
            IFieldSymbol { IsConst: true } => "Constant",
            IFieldSymbol => "Field",
            IEventSymbol => "Event",
            _ => "Variable",
        };

        private static string? Summary(ISymbol symbol)
        {
            var xml = symbol.GetDocumentationCommentXml();
            if (string.IsNullOrWhiteSpace(xml))
            {
                return null;
            }

            try
            {
                var summary = XElement.Parse(xml).Element("summary");
                if (summary is null)
                {
                    return null;
                }

                var text = string.Concat(summary.DescendantNodes().Select(n => n switch
                {
                    XText t => t.Value,
                    XElement { IsEmpty: true } e => (e.Attribute("cref")?.Value ?? e.Attribute("langword")?.Value ?? e.Attribute("name")?.Value ?? "") is var r && r.Length > 2 && r[1] == ':' ? r[2..] : r,
                    _ => "",
                }));
                return string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            }
            catch (System.Xml.XmlException)
            {
                return null;
            }
        }
    }
}
