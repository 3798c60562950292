using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// BM25 (Lucene.Net, k1 = 1.2, b = 0.75) over the chunk texts, analysed by <see cref="CodeAnalyzer"/>. The query
/// is a disjunction of its analysed terms.
/// </summary>
/// <remarks>Searching is thread-safe once constructed.</remarks>
internal sealed class Bm25Retriever : IDisposable
{
    private const string TextField = "text";
    private const string IdField = "id";
    private readonly RAMDirectory _directory = new();
    private readonly CodeAnalyzer _analyzer = new();
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;
    private readonly int[] _ids;

    /// <summary>Indexes <paramref name="texts"/>; result indices refer to positions in this list.</summary>
    public Bm25Retriever(IReadOnlyList<string> texts)
    {
        var config = new IndexWriterConfig(CodeAnalyzer.Version, _analyzer)
        {
            Similarity = new BM25Similarity(),
            RAMBufferSizeMB = 256,
            OpenMode = OpenMode.CREATE,
        };
        using (var writer = new IndexWriter(_directory, config))
        {
            for (var i = 0; i < texts.Count; i++)
            {
                writer.AddDocument(new Document
                {
                    new TextField(TextField, texts[i], Field.Store.NO),
                    new NumericDocValuesField(IdField, i),
                });
            }

            writer.Commit();
        }

        _reader = DirectoryReader.Open(_directory);
        _searcher = new IndexSearcher(_reader) { Similarity = new BM25Similarity() };
        // Doc values readers seek a shared input and are not thread-safe; read them once into an array.
        var values = MultiDocValues.GetNumericValues(_reader, IdField);
        _ids = new int[_reader.MaxDoc];
        for (var doc = 0; doc < _ids.Length; doc++)
        {
            _ids[doc] = (int)values.Get(doc);
        }
    }

    /// <summary>Returns up to <paramref name="top"/> (index, score) pairs by descending BM25 score.</summary>
    public IReadOnlyList<(int Index, float Score)> Search(string query, int top)
    {
        var terms = new List<string>();
        using (var stream = _analyzer.GetTokenStream(TextField, query))
        {
            var term = stream.AddAttribute<ICharTermAttribute>();
            stream.Reset();
            while (stream.IncrementToken())
            {
                terms.Add(term.ToString());
            }

            stream.End();
        }

        var boolean = new BooleanQuery();
        foreach (var term in terms.Distinct(StringComparer.Ordinal).Take(BooleanQuery.MaxClauseCount))
        {
            boolean.Add(new TermQuery(new Term(TextField, term)), Occur.SHOULD);
        }

        if (boolean.Clauses.Count == 0)
        {
            return [];
        }

        return _searcher.Search(boolean, top).ScoreDocs
            .Select(d => (_ids[d.Doc], d.Score))
            .ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _reader.Dispose();
        _directory.Dispose();
        _analyzer.Dispose();
    }
}
