using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

/// <summary>Adds a <see cref="FallbackChatClient"/> to a <see cref="ChatClientBuilder"/> pipeline.</summary>
public static class FallbackChatClientBuilderExtensions
{
    /// <summary>
    /// Tries the builder's inner client first, as model <paramref name="primaryModelId"/>, then each of
    /// <paramref name="fallbacks"/> in order; see <see cref="FallbackChatClient"/>.
    /// </summary>
    public static ChatClientBuilder UseFallback(
        this ChatClientBuilder builder, string primaryModelId, IEnumerable<FallbackCandidate> fallbacks, FallbackChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(primaryModelId);
        ArgumentNullException.ThrowIfNull(fallbacks);
        var rest = fallbacks.ToArray();
        return builder.Use(inner => new FallbackChatClient([new FallbackCandidate(primaryModelId, inner), .. rest], options));
    }
}
