using System.Collections.Concurrent;
using Engram.Models.Configuration;
using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

/// <summary>
/// The configured models and, per model, the provider client that serves it, created on first use by a provider
/// factory so that provider packages plug in without this type knowing them.
/// </summary>
/// <remarks>
/// Thread-safe: each model's client is created at most once and cached until <see cref="Dispose"/>, which disposes
/// every client created. The factory must not put secrets into exception messages.
/// </remarks>
public sealed class ModelRegistry : IDisposable
{
    private readonly Func<ModelDefinition, IChatClient> _providerFactory;
    private readonly ConcurrentDictionary<string, Lazy<IChatClient>> _clients = new(StringComparer.Ordinal);

    /// <summary>Creates the registry; <paramref name="providerFactory"/> builds the client of one model when first asked.</summary>
    public ModelRegistry(EngramConfig config, Func<ModelDefinition, IChatClient> providerFactory)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(providerFactory);
        Config = config;
        _providerFactory = providerFactory;
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
    }
}
