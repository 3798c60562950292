using System.Collections.Concurrent;
using Engram.Models.Configuration;
using Engram.Models.Embeddings;
using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

/// <summary>
/// The configured models and, per model, the provider client that serves it, created on first use by a provider
/// factory so that provider packages plug in without this type knowing them; likewise the embedding generators.
/// </summary>
/// <remarks>
/// Thread-safe: each model's client (and embedding generator) is created at most once and cached until
/// <see cref="Dispose"/>, which disposes every one created. The factories must not put secrets into exception messages.
/// </remarks>
public sealed class ModelRegistry : IDisposable
{
    private readonly Func<ModelDefinition, IChatClient> _providerFactory;
    private readonly Func<ModelDefinition, IEmbeddingGenerator<string, Embedding<float>>> _embeddingFactory;
    private readonly ConcurrentDictionary<string, Lazy<IChatClient>> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<IEmbeddingGenerator<string, Embedding<float>>>> _embedders = new(StringComparer.Ordinal);
    private readonly Lazy<IEmbeddingGenerator<string, Embedding<float>>> _builtInEmbedder =
        new(() => LazyEmbeddingGenerator.MiniLm(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Creates the registry; <paramref name="providerFactory"/> builds the client of one model when first asked, and
    /// <paramref name="embeddingFactory"/> the embedding generator of one <c>embedding</c> model.
    /// </summary>
    /// <remarks>
    /// Without <paramref name="embeddingFactory"/> only <see cref="ModelProvider.Onnx"/> models (the built-in
    /// all-MiniLM-L6-v2) can embed, so the registry reaches no network provider; pass
    /// <c>m =&gt; ProviderFactory.CreateEmbeddingGenerator(m, options)</c> for remote embedding models.
    /// </remarks>
    public ModelRegistry(
        EngramConfig config,
        Func<ModelDefinition, IChatClient> providerFactory,
        Func<ModelDefinition, IEmbeddingGenerator<string, Embedding<float>>>? embeddingFactory = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(providerFactory);
        Config = config;
        _providerFactory = providerFactory;
        _embeddingFactory = embeddingFactory ?? BuiltInEmbeddingFactory;
    }

    /// <summary>The configuration the registry was built from.</summary>
    public EngramConfig Config { get; }

    /// <summary>The configured models in configuration order.</summary>
    public IReadOnlyList<ModelDefinition> Models => Config.Models;

    /// <summary>The model named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No model has that name.</exception>
    public ModelDefinition GetModel(string name) =>
        Config.FindModel(name) ?? throw new KeyNotFoundException($"No model named \"{name}\" is configured.");

    /// <summary>The provider client of the model named <paramref name="name"/>, created on first call.</summary>
    /// <exception cref="KeyNotFoundException">No model has that name.</exception>
    public IChatClient GetChatClient(string name)
    {
        var model = GetModel(name);
        return _clients.GetOrAdd(name, static (_, state) => new Lazy<IChatClient>(() => state.Factory(state.Model), LazyThreadSafetyMode.ExecutionAndPublication), (Factory: _providerFactory, Model: model)).Value;
    }

    /// <summary>
    /// The embedding generator of the model named <paramref name="name"/>; when <paramref name="name"/> is null, that of
    /// the highest-ranked model with the <c>embedding</c> capability (descending <see cref="ModelDefinition.Priority"/>,
    /// ascending cost, ascending <see cref="LatencyClass"/>, then name), or, when none is configured, the built-in
    /// all-MiniLM-L6-v2 (384 dimensions, loaded on first use, always offline). Created on first call, then cached.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No model has that name.</exception>
    /// <exception cref="InvalidOperationException">The named model lacks the <c>embedding</c> capability.</exception>
    /// <exception cref="NotSupportedException">The model's provider has no embedding generator in this registry
    /// (without an embedding factory only <c>onnx</c> models have one).</exception>
    public IEmbeddingGenerator<string, Embedding<float>> GetEmbeddingGenerator(string? name = null)
    {
        ModelDefinition model;
        if (name is null)
        {
            var best = Config.Models
                .Where(m => m.Capabilities.Contains(ModelCapability.Embedding))
                .OrderByDescending(m => m.Priority)
                .ThenBy(m => m.CostPerMillionInput + m.CostPerMillionOutput)
                .ThenBy(m => m.LatencyClass)
                .ThenBy(m => m.Name, StringComparer.Ordinal)
                .FirstOrDefault();
            if (best is null)
            {
                return _builtInEmbedder.Value;
            }

            model = best;
        }
        else
        {
            model = GetModel(name);
            if (!model.Capabilities.Contains(ModelCapability.Embedding))
            {
                throw new InvalidOperationException($"Model \"{name}\" cannot embed: it lacks the \"embedding\" capability.");
            }
        }

        return _embedders.GetOrAdd(
            model.Name,
            static (_, state) => new Lazy<IEmbeddingGenerator<string, Embedding<float>>>(() => state.Factory(state.Model), LazyThreadSafetyMode.ExecutionAndPublication),
            (Factory: _embeddingFactory, Model: model)).Value;
    }

    /// <summary>True once the client of <paramref name="name"/> has been created.</summary>
    public bool IsCreated(string name) => _clients.TryGetValue(name, out var client) && client.IsValueCreated;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            if (client.IsValueCreated)
            {
                client.Value.Dispose();
            }
        }

        _clients.Clear();
        foreach (var embedder in _embedders.Values)
        {
            if (embedder.IsValueCreated)
            {
                embedder.Value.Dispose();
            }
        }

        _embedders.Clear();
        if (_builtInEmbedder.IsValueCreated)
        {
            _builtInEmbedder.Value.Dispose();
        }
    }

    private static IEmbeddingGenerator<string, Embedding<float>> BuiltInEmbeddingFactory(ModelDefinition model) =>
        model.Provider == ModelProvider.Onnx
            ? LazyEmbeddingGenerator.MiniLm()
            : throw new NotSupportedException($"Model \"{model.Name}\": provider {ConfigNames.ToJsonName(model.Provider)} has no embedding generator here (this registry was built without an embedding factory).");
}
