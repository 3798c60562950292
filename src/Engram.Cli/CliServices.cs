using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engram.Core.Hypervectors;
using Engram.Models.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Engram.Cli;

/// <summary>Composition of the parts the commands share: logging to stderr, the encoder, the embedder, JSON output.</summary>
internal static class CliServices
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>A logger factory that writes every level at or above <paramref name="minimum"/> to stderr, never stdout.</summary>
    public static ILoggerFactory CreateLoggerFactory(LogLevel minimum) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(minimum);
        builder.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    });

    public static HypervectorEncoder CreateEncoder() => new(EncoderSettings.Default, embeddingDimension: 384);

    /// <summary>The local MiniLM embedder (loaded on first use), or null when <paramref name="lexicalOnly"/>.</summary>
    public static IEmbeddingGenerator<string, Embedding<float>>? CreateEmbedder(bool lexicalOnly, int threads) =>
        lexicalOnly ? null : LazyEmbeddingGenerator.MiniLm(threads);

    /// <summary>Resolves and checks a workspace root; null (after a message on stderr) when it does not exist.</summary>
    public static string? ResolveRoot(string? path)
    {
        var full = Path.GetFullPath(string.IsNullOrEmpty(path) ? "." : path);
        if (!Directory.Exists(full))
        {
            Console.Error.WriteLine($"engram: workspace root '{path}' does not exist or is not a folder.");
            return null;
        }

        return full.TrimEnd(Path.DirectorySeparatorChar);
    }
}
