using Engram.Models.Configuration;
using Microsoft.Extensions.AI;

namespace Engram.Models.Providers.Remote;

/// <summary>What <see cref="ProviderFactory.Create"/> needs from its host besides the model definition.</summary>
public sealed record ProviderFactoryOptions
{
    /// <summary>
    /// Reads an environment variable by name; the only source of API keys. Defaults to
    /// <see cref="Environment.GetEnvironmentVariable(string)"/>; tests supply a dictionary lookup.
    /// </summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>
    /// Builds the client of a <see cref="ModelProvider.LocalGguf"/> model, or null when the host runs no local
    /// models (then such a model throws <see cref="NotSupportedException"/>).
    /// </summary>
    public Func<ModelDefinition, IChatClient>? LocalGguf { get; init; }

    /// <summary>
    /// Largest answer, in tokens, requested from Anthropic when a call sets no
    /// <see cref="ChatOptions.MaxOutputTokens"/> (the Messages API requires one). Default 4096.
    /// </summary>
    public int AnthropicDefaultMaxOutputTokens { get; init; } = 4096;
}
