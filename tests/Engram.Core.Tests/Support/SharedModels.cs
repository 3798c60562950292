using Engram.Core.Hypervectors;
using Engram.Models.Embeddings;

namespace Engram.Core.Tests.Support;

/// <summary>The real MiniLM model, loaded once per test run (it is thread-safe).</summary>
internal static class SharedModels
{
    private static readonly Lazy<OnnxSentenceEmbedder> s_embedder = new(() => OnnxSentenceEmbedder.CreateMiniLm(intraOpThreads: 2));
    private static readonly Lazy<HypervectorEncoder> s_encoder = new(() => new HypervectorEncoder(EncoderSettings.Default, 384));

    public static OnnxSentenceEmbedder Embedder => s_embedder.Value;

    public static HypervectorEncoder Encoder => s_encoder.Value;
}
