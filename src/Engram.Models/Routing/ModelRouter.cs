using System.Collections.Concurrent;
using Engram.Models.Configuration;
using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

/// <summary>
/// The one place features get a model from: <see cref="GetChatClient(ModelTask)"/> returns, per task, a client that tries the
/// models <see cref="CapabilityRouter.Rank"/> picks, each behind its own <see cref="BudgetChatClient"/>, inside one
/// <see cref="FallbackChatClient"/>.
/// </summary>
/// <remarks>
/// Because the budget sits inside the fallback, a request too expensive for the preferred model moves on to a
/// cheaper (e.g. local) one; only when every candidate refuses does the caller see <see cref="BudgetExceededException"/>.
/// Thread-safe; pipelines are built once per task. Does not own the registry. Owns one
/// <see cref="CircuitBreakerRegistry"/> (replacing any set in <see cref="ModelRouterOptions.Fallback"/>) and one
/// <see cref="OutcomeTracker"/> fed from every ledger entry its budget decorators record: before each request the
/// candidates are reordered by <see cref="OutcomeTracker.Rank"/> (cached until the tracker's version changes).
/// Every request carries a correlation id (see <see cref="CorrelationIdPropertyName"/>) into its ledger entries, its
/// log scope and its response's <see cref="ChatResponse.AdditionalProperties"/>; it is removed before the provider sees the options.
/// </remarks>
public sealed class ModelRouter
{
    private readonly ModelRegistry _registry;
    private readonly IUsageLedger _ledger;
    private readonly ModelRouterOptions _options;
    private readonly ConcurrentDictionary<ModelTask, RoutedChatClient> _pipelines = new();
    private readonly ConcurrentDictionary<(ModelTask Task, string Model), RoutedChatClient> _preferredPipelines = new();
    private readonly CircuitBreakerRegistry _circuitBreakers;
    private readonly OutcomeTracker _outcomes;
    private readonly RouterLedger _recordingLedger;

    /// <summary>Creates the router.</summary>
    public ModelRouter(ModelRegistry registry, IUsageLedger ledger, ModelRouterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(ledger);
        _registry = registry;
        _ledger = ledger;
        _options = options ?? new ModelRouterOptions();
        _circuitBreakers = new CircuitBreakerRegistry(_options.CircuitBreaker);
        _outcomes = new OutcomeTracker(_options.Outcomes.Window);
        _recordingLedger = new RouterLedger(ledger, _outcomes, _options.Logger);
    }

    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key of a request's correlation id: a caller may set it (any
    /// non-empty string); otherwise the router uses the trace id of <see cref="System.Diagnostics.Activity.Current"/>, else a new
    /// GUID in "N" format. Responses carry it under the same key.
    /// </summary>
    public const string CorrelationIdPropertyName = "engram.correlation_id";

    /// <summary>The recent per (model, task) outcomes that reorder candidates; see <see cref="ModelRouterOptions.Outcomes"/>.</summary>
    public OutcomeTracker Outcomes => _outcomes;

    /// <summary>
    /// The per-model circuit breakers shared by every task's pipeline: a model that keeps failing for one task is
    /// skipped by all of them until its open period is over.
    /// </summary>
    public CircuitBreakerRegistry CircuitBreakers => _circuitBreakers;

    /// <summary>The ledger every call is recorded in.</summary>
    public IUsageLedger Ledger => _ledger;

    /// <summary>
    /// The client for <paramref name="task"/>. Its responses name the model that answered (see
    /// <see cref="FallbackChatClient.ModelPropertyName"/>); when no model has the task's capabilities, calls throw
    /// <see cref="AllModelsFailedException"/> with no failures. Provider clients are created only when first tried.
    /// </summary>
    public IChatClient GetChatClient(ModelTask task) => _pipelines.GetOrAdd(task, Build);

    /// <summary>
    /// The client for <paramref name="task"/> with <paramref name="preferredModel"/> tried first (an editor's explicit
    /// model choice): that model, even when its declared capabilities do not cover the task, then the task's usual
    /// candidates as fallbacks. Same as <see cref="GetChatClient(ModelTask)"/> when the name is null or empty.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No configured model has that name.</exception>
    public IChatClient GetChatClient(ModelTask task, string? preferredModel)
    {
        if (string.IsNullOrEmpty(preferredModel))
        {
            return GetChatClient(task);
        }

        if (_registry.Config.FindModel(preferredModel) is null)
        {
            throw new KeyNotFoundException($"No model named '{preferredModel}' is configured.");
        }

        return _preferredPipelines.GetOrAdd((task, preferredModel), key => Build(key.Task, key.Model));
    }

    private RoutedChatClient Build(ModelTask task) => Build(task, null);

    private RoutedChatClient Build(ModelTask task, string? preferredModel)
    {
        var budget = new BudgetChatClientOptions
        {
            Budgets = _registry.Config.Budgets,
            Task = task,
            DefaultMaxOutputTokens = _options.DefaultMaxOutputTokens,
            TimeProvider = _options.TimeProvider,
        };
        var ranked = CapabilityRouter.Rank(_registry.Config, task).ToList();
        if (preferredModel is not null && _registry.Config.FindModel(preferredModel) is { } preferred)
        {
            ranked.RemoveAll(m => m.Name == preferred.Name);
            ranked.Insert(0, preferred);
        }

        var candidates = ranked
            .Select(model => new FallbackCandidate(model.Name, new BudgetChatClient(new DeferredChatClient(() => _registry.GetChatClient(model.Name)), model, _recordingLedger, budget)))
            .ToList();
        return new RoutedChatClient(task, candidates, _outcomes, _options.Outcomes, _options.Fallback with { CircuitBreakers = _circuitBreakers });
    }
}
