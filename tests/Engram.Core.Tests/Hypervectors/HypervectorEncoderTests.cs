using Engram.Core.Chunking;
using Engram.Core.Hypervectors;
using Engram.Core.Indexing;
using Engram.Core.Tests.Support;
using Engram.Core.Text;

namespace Engram.Core.Tests.Hypervectors;

public sealed class HypervectorEncoderTests
{
    private static readonly Chunk s_parse = new("src/Json/JsonReader.cs", 10, 20, ChunkKinds.Method, "ParseJsonDocument", "Acme.Json.JsonReader",
        "Parses a JSON document from text into a tree of nodes.", "public JsonNode ParseJsonDocument(string text) { var reader = new JsonTextReader(text); return reader.ReadNode(); }");
    private static readonly Chunk s_colour = new("src/Ui/Theme.cs", 5, 9, ChunkKinds.Property, "BackgroundColour", "Acme.Ui.Theme",
        null, "public Colour BackgroundColour { get; set; } = Colour.FromRgb(12, 34, 56);");
    private static readonly Chunk s_socket = new("net/socket.py", 1, 8, ChunkKinds.Block, "open_socket", null,
        null, "def open_socket(host, port):\n    sock = socket.create_connection((host, port), timeout=5)\n    return sock");

    [Fact]
    public void EncodingIsDeterministicAndSelfSimilarityIsOne()
    {
        var a = Encode(s_parse);
        var b = Encode(s_parse);
        Assert.Equal(a, b);
        Assert.Equal(1.0, Hypervector.Similarity(a, b));
        Assert.Equal(EncoderSettings.Default.Dimension / 64, a.Length);
    }

    [Fact]
    public void UnrelatedChunksAreNearChance()
    {
        var parse = Encode(s_parse);
        Assert.InRange(Hypervector.Similarity(parse, Encode(s_colour)), 0.40, 0.62);
        Assert.InRange(Hypervector.Similarity(parse, Encode(s_socket)), 0.40, 0.62);
        Assert.InRange(Hypervector.Similarity(Encode(s_colour), Encode(s_socket)), 0.40, 0.62);
    }

    [Fact]
    public void VectorsAreBalanced()
    {
        foreach (var chunk in new[] { s_parse, s_colour, s_socket })
        {
            var ones = Encode(chunk).Sum(w => System.Numerics.BitOperations.PopCount(w));
            Assert.InRange(ones / (double)EncoderSettings.Default.Dimension, 0.42, 0.58);
        }
    }

    [Theory]
    [InlineData("parse a json document into nodes", 0)]
    [InlineData("background colour of the theme", 1)]
    [InlineData("connect a network socket to a host", 2)]
    public void QueriesAreClosestToTheirChunk(string query, int expected)
    {
        var chunks = new[] { Encode(s_parse), Encode(s_colour), Encode(s_socket) };
        var q = SharedModels.Encoder.EncodeQuery(TermTokenizer.Tokenize(query), SharedModels.Embedder.Embed(query));
        var best = Enumerable.Range(0, 3).MaxBy(i => Hypervector.Similarity(q, chunks[i]));
        Assert.Equal(expected, best);
    }

    [Fact]
    public void LexicalOnlyEncodingStillRetrievesByIdentifier()
    {
        var chunks = new[] { s_parse, s_colour, s_socket }.Select(c => SharedModels.Encoder.EncodeChunk(ChunkFeatures.FromChunk(c), [])).ToArray();
        var q = SharedModels.Encoder.EncodeQuery(TermTokenizer.Tokenize("BackgroundColour"), []);
        Assert.Equal(1, Enumerable.Range(0, 3).MaxBy(i => Hypervector.Similarity(q, chunks[i])));
    }

    [Fact]
    public void WrongEmbeddingLengthIsRejected()
    {
        Assert.Throws<ArgumentException>(() => SharedModels.Encoder.EncodeChunk(ChunkFeatures.FromChunk(s_parse), new float[10]));
    }

    private static ulong[] Encode(Chunk chunk) =>
        SharedModels.Encoder.EncodeChunk(ChunkFeatures.FromChunk(chunk), SharedModels.Embedder.Embed(ChunkEncoding.EmbeddingText(chunk)));
}
