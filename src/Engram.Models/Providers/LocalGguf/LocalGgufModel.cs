using System.Collections.Concurrent;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace Engram.Models.Providers.LocalGguf;

/// <summary>One warm model: its weights, one llama.cpp context, and the tokens that context has evaluated.</summary>
/// <remarks>
/// Weights are loaded once per full file path and contexts once per (path, context size, threads, batch size); both live
/// until the process ends, so that completion while typing never pays a load. <see cref="Gate"/> serialises requests on
/// the context; <see cref="Evaluated"/> mirrors sequence 0 of its KV cache and is read and written only under the gate.
/// </remarks>
internal sealed class LocalGgufModel
{
    private static readonly ConcurrentDictionary<string, Lazy<LLamaWeights>> s_weights = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<(string Path, int ContextSize, int Threads, int BatchSize), Lazy<LocalGgufModel>> s_models = new();
    private static int s_weightLoads;

    private LocalGgufModel(LLamaWeights weights, LLamaContext context)
    {
        Weights = weights;
        Context = context;
        Fim = FimTokens.FromVocabulary(weights.Vocab);
        HasChatTemplate = weights.Metadata.ContainsKey("tokenizer.chat_template");
    }

    /// <summary>How many times weights were read from disk in this process (for tests and diagnostics).</summary>
    public static int WeightLoads => Volatile.Read(ref s_weightLoads);

    public LLamaWeights Weights { get; }

    public LLamaContext Context { get; }

    public FimTokens? Fim { get; }

    public bool HasChatTemplate { get; }

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public List<LLamaToken> Evaluated { get; } = [];

    /// <summary>The warm model for <paramref name="path"/>, loading it (and warming it up) on first call.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static LocalGgufModel Get(string path, int contextSize, int threads, int batchSize, ILogger? logger)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"GGUF model file not found: {fullPath}", fullPath);
        }

        NativeLogRouter.Use(logger);
        var key = (fullPath, contextSize, threads, batchSize);
        var lazy = s_models.GetOrAdd(key, static k => new Lazy<LocalGgufModel>(() => Load(k.Path, k.ContextSize, k.Threads, k.BatchSize), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed load is not cached: the next request tries again (the file may have been fixed).
            s_models.TryRemove(new KeyValuePair<(string, int, int, int), Lazy<LocalGgufModel>>(key, lazy));
            throw;
        }
    }

    private static LocalGgufModel Load(string path, int contextSize, int threads, int batchSize)
    {
        var parameters = new ModelParams(path)
        {
            ContextSize = (uint)contextSize,
            Threads = threads,
            BatchThreads = threads,
            BatchSize = (uint)batchSize,
            GpuLayerCount = 0,
        };
        var weightsLazy = s_weights.GetOrAdd(path, static (p, mp) => new Lazy<LLamaWeights>(() =>
        {
            var weights = LLamaWeights.LoadFromFile(mp);
            Interlocked.Increment(ref s_weightLoads);
            return weights;
        }, LazyThreadSafetyMode.ExecutionAndPublication), parameters);
        LLamaWeights loaded;
        try
        {
            loaded = weightsLazy.Value;
        }
        catch
        {
            s_weights.TryRemove(new KeyValuePair<string, Lazy<LLamaWeights>>(path, weightsLazy));
            throw;
        }

        var context = loaded.CreateContext(parameters);
        WarmUp(context);
        return new LocalGgufModel(loaded, context);
    }

    /// <summary>Decodes one token and clears the cache, so that the first real request does not pay lazy native setup.</summary>
    private static void WarmUp(LLamaContext context)
    {
        var bos = context.Vocab.BOS ?? context.Vocab.EOS ?? new LLamaToken?((LLamaToken)0);
        var batch = new LLamaBatch();
        batch.Add(bos!.Value, 0, LLamaSeqId.Zero, true);
        var result = context.Decode(batch);
        context.NativeHandle.MemoryClear(true);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama.cpp warm-up decode failed: {result}.");
        }
    }
}
