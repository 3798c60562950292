using System.Runtime.CompilerServices;
using Engram.Models.Configuration;
using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

/// <summary>
/// Refuses a request with <see cref="BudgetExceededException"/> before sending it when its estimated cost would pass
/// the per-request cap, or would take today's spend (UTC day, read from the ledger) past the daily cap; after the call
/// records tokens, cost, latency and outcome in the <see cref="IUsageLedger"/>.
/// </summary>
/// <remarks>
/// <para>Estimate: input tokens ≈ ⌈characters / 4⌉ of the messages' text plus 4 per message; output tokens =
/// <c>ChatOptions.MaxOutputTokens</c>, else <see cref="BudgetChatClientOptions.DefaultMaxOutputTokens"/>; priced with
/// <see cref="ModelDefinition.CostUsd"/>. Actual cost uses <see cref="ChatResponse.Usage"/> (or the
/// <see cref="UsageContent"/> of a stream); where the provider reports no count the estimate stands in (output: ⌈characters / 4⌉).</para>
/// <para>When any cap is set and the request has no <c>MaxOutputTokens</c>, the estimate's output allowance is sent as
/// <c>MaxOutputTokens</c>, so the provider cannot run past it. The estimate is reserved in the ledger
/// (<see cref="IUsageLedger.TryReserve"/>) for the duration of the call, so concurrent requests cannot together pass
/// the daily cap on estimates. Actual spend can still exceed an estimate when the provider counts more input tokens
/// than ⌈characters / 4⌉ (dense code, non-Latin text).</para>
/// <para>Budget scopes: a request naming a <see cref="BudgetScope"/> (see <see cref="BudgetScope.FromOptions"/>) with a
/// cap is also refused when the scope's recorded spend plus its reservations in flight plus the estimate would pass
/// that cap (<see cref="IUsageLedger.TryReserveScope"/>, held like the daily reservation); its entries carry the
/// scope id as <see cref="UsageEntry.BudgetScope"/>.</para>
/// <para>Refusals, failures and cancellations are recorded too, at zero cost. Entries carry the request's
/// <see cref="ModelRouter.CorrelationIdPropertyName"/> option, when set, as <see cref="UsageEntry.CorrelationId"/>.</para>
/// </remarks>
public sealed class BudgetChatClient : DelegatingChatClient
{
    private readonly ModelDefinition _model;
    private readonly IUsageLedger _ledger;
    private readonly BudgetChatClientOptions _options;

    /// <summary>Creates the decorator for requests to <paramref name="model"/> through <paramref name="innerClient"/>.</summary>
    public BudgetChatClient(IChatClient innerClient, ModelDefinition model, IUsageLedger ledger, BudgetChatClientOptions? options = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ledger);
        _model = model;
        _ledger = ledger;
        _options = options ?? new BudgetChatClientOptions();
    }

    /// <summary>Estimated input tokens of <paramref name="messages"/>: ⌈text characters / 4⌉ + 4 per message.</summary>
    public static long EstimateInputTokens(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        long tokens = 0;
        foreach (var message in messages)
        {
            tokens += 4 + EstimateTokens(message.Text);
        }

        return tokens;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var messageList = messages as IList<ChatMessage> ?? [.. messages];
        var correlationId = CorrelationIdOf(options);
        var scope = BudgetScope.FromOptions(options);
        var (started, inputEstimate, reservation) = CheckBudget(messageList, ref options, correlationId, scope);
        using (reservation)
        {
            var startTimestamp = _options.TimeProvider.GetTimestamp();
            ChatResponse response;
            try
            {
                response = await base.GetResponseAsync(messageList, options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Record(started, startTimestamp, 0, 0, e is OperationCanceledException && cancellationToken.IsCancellationRequested ? UsageOutcome.Cancelled : UsageOutcome.Failed, correlationId, scope?.Id);
                throw;
            }

            var input = response.Usage?.InputTokenCount ?? inputEstimate;
            var output = response.Usage?.OutputTokenCount ?? EstimateTokens(response.Text);
            Record(started, startTimestamp, input, output, UsageOutcome.Success, correlationId, scope?.Id);
            return response;
        }
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var messageList = messages as IList<ChatMessage> ?? [.. messages];
        var correlationId = CorrelationIdOf(options);
        var scope = BudgetScope.FromOptions(options);
        var (started, inputEstimate, reservation) = CheckBudget(messageList, ref options, correlationId, scope);
        var startTimestamp = _options.TimeProvider.GetTimestamp();
        long? input = null;
        long? output = null;
        long outputCharacters = 0;
        var outcome = UsageOutcome.Failed;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(messageList, options, cancellationToken).ConfigureAwait(false))
            {
                foreach (var content in update.Contents)
                {
                    if (content is UsageContent usage)
                    {
                        input = usage.Details.InputTokenCount ?? input;
                        output = usage.Details.OutputTokenCount ?? output;
                    }
                    else if (content is TextContent text)
                    {
                        outputCharacters += text.Text.Length;
                    }
                }

                yield return update;
            }

            outcome = UsageOutcome.Success;
        }
        finally
        {
            if (outcome != UsageOutcome.Success && cancellationToken.IsCancellationRequested)
            {
                outcome = UsageOutcome.Cancelled;
            }

            // Tokens streamed before a failure were still billed.
            Record(started, startTimestamp, input ?? (outcome == UsageOutcome.Success || outputCharacters > 0 ? inputEstimate : 0), output ?? (outputCharacters + 3) / 4, outcome, correlationId, scope?.Id);
            reservation?.Dispose();
        }
    }

    private (DateTimeOffset Started, long InputEstimate, IDisposable? Reservation) CheckBudget(IList<ChatMessage> messages, ref ChatOptions? options, string? correlationId, BudgetScope? scope)
    {
        var now = _options.TimeProvider.GetUtcNow();
        var inputEstimate = EstimateInputTokens(messages);
        var maxOutput = options?.MaxOutputTokens ?? _options.DefaultMaxOutputTokens;
        var estimate = _model.CostUsd(inputEstimate, maxOutput);
        var budgets = _options.Budgets;
        if (budgets.PerRequestUsd is null && budgets.DailyUsd is null && scope?.MaxUsd is null)
        {
            return (now, inputEstimate, null);
        }

        // The estimate assumed at most maxOutput tokens out: make the provider stop there too.
        if (options?.MaxOutputTokens is null)
        {
            options = options?.Clone() ?? new ChatOptions();
            options.MaxOutputTokens = maxOutput;
        }

        if (budgets.PerRequestUsd is { } perRequest && estimate > perRequest)
        {
            Record(now, null, 0, 0, UsageOutcome.Refused, correlationId, scope?.Id);
            throw new BudgetExceededException(_model.Name, estimate, perRequest, "per-request");
        }

        IDisposable? reservation = null;
        if (budgets.DailyUsd is { } daily)
        {
            var dayStart = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
            reservation = _ledger.TryReserve(dayStart, dayStart.AddDays(1), estimate, daily);
            if (reservation is null)
            {
                Record(now, null, 0, 0, UsageOutcome.Refused, correlationId, scope?.Id);
                throw new BudgetExceededException(_model.Name, estimate, daily, "daily");
            }
        }

        if (scope is { MaxUsd: { } scopeCap })
        {
            var scopeReservation = _ledger.TryReserveScope(scope.Id, estimate, scopeCap);
            if (scopeReservation is null)
            {
                reservation?.Dispose();
                Record(now, null, 0, 0, UsageOutcome.Refused, correlationId, scope.Id);
                throw new BudgetExceededException(_model.Name, estimate, scopeCap, "scope");
            }

            reservation = reservation is null ? scopeReservation : new Reservations(reservation, scopeReservation);
        }

        return (now, inputEstimate, reservation);
    }

    private void Record(DateTimeOffset started, long? startTimestamp, long inputTokens, long outputTokens, UsageOutcome outcome, string? correlationId, string? budgetScope)
    {
        var latency = startTimestamp is { } t ? _options.TimeProvider.GetElapsedTime(t).TotalMilliseconds : 0;
        var cost = outcome is UsageOutcome.Refused ? 0m : _model.CostUsd(inputTokens, outputTokens);
        _ledger.Record(new UsageEntry(started, _options.Task, _model.Name, inputTokens, outputTokens, cost, latency, outcome) { CorrelationId = correlationId, BudgetScope = budgetScope });
    }

    private static string? CorrelationIdOf(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(ModelRouter.CorrelationIdPropertyName, out var id) == true ? id?.ToString() : null;

    private static long EstimateTokens(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;

    private sealed class Reservations(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
        }
    }
}
