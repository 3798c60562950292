namespace Engram.Benchmarks.Quality;

/// <summary>Turns documented declarations into the final, deduplicated query list of a corpus.</summary>
internal static class QuerySetBuilder
{
    /// <summary>Queries with fewer words than this are skipped (BENCHMARKS.md).</summary>
    public const int MinimumWords = 6;

    /// <summary>
    /// Groups <paramref name="declarations"/> by identical text. A text whose declarations all sit in one file
    /// (overloads) becomes one query whose targets are all of them; a text shared across files is boilerplate
    /// ("Returns a hash code for this instance.") and is dropped as ambiguous. Texts under
    /// <see cref="MinimumWords"/> words must have been filtered out by the caller. Writes the number of merged
    /// and dropped texts into <paramref name="notes"/>. Query ids are <c>&lt;corpus&gt;-NNNNN</c> in order of
    /// first appearance.
    /// </summary>
    public static IReadOnlyList<BenchQuery> Build(
        string corpusName,
        IEnumerable<DocumentedDeclaration> declarations,
        IDictionary<string, string> notes)
    {
        var groups = new Dictionary<string, List<DocumentedDeclaration>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var declaration in declarations)
        {
            if (!groups.TryGetValue(declaration.Text, out var list))
            {
                groups[declaration.Text] = list = [];
                order.Add(declaration.Text);
            }

            if (!list.Any(d => d.Target == declaration.Target))
            {
                list.Add(declaration);
            }
        }

        var queries = new List<BenchQuery>();
        var merged = 0;
        var ambiguous = 0;
        var ambiguousDeclarations = 0;
        foreach (var text in order)
        {
            var list = groups[text];
            if (list.Select(d => d.Target.Path).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                ambiguous++;
                ambiguousDeclarations += list.Count;
                continue;
            }

            if (list.Count > 1)
            {
                merged++;
            }

            queries.Add(new BenchQuery(
                $"{corpusName}-{queries.Count:D5}",
                text,
                list.Select(d => d.Target).OrderBy(t => t.StartLine).ToArray(),
                list[0].Kind));
        }

        notes["queries"] = queries.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        notes["mergedSameFileDuplicates"] =
            $"{merged} texts shared by several declarations of one file (overloads) kept as one query with several targets";
        notes["droppedCrossFileDuplicates"] =
            $"{ambiguous} texts shared by declarations in different files dropped as ambiguous ({ambiguousDeclarations} declarations)";
        return queries;
    }
}
