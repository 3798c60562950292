using System.Net;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;

namespace Engram.Models.Routing;

/// <summary>
/// Sends a request to the first of several candidate models and, when it fails, to the next: on any exception, on a
/// per-attempt timeout, on HTTP 429 and on 5xx. The answer carries the configured name of the model that produced it
/// in <see cref="ChatResponse.ModelId"/> and in <see cref="ChatResponse.AdditionalProperties"/>[<see cref="ModelPropertyName"/>].
/// </summary>
/// <remarks>
/// <para>Cancellation by the caller is not a failure: it is rethrown at once and never retried. A timeout is reported
/// as a <see cref="TimeoutException"/> among the failures.</para>
/// <para>Retrying is done by a Polly retry pipeline (Polly.Core <c>RetryStrategyOptions</c>): transient failures (429,
/// 5xx, attempt timeouts) retry the same candidate up to <see cref="FallbackChatClientOptions.MaxRetries"/> times with
/// Polly's exponential backoff with jitter, capped at <see cref="FallbackChatClientOptions.MaxDelay"/>, or after exactly
/// the server's Retry-After when it is no longer than <see cref="FallbackChatClientOptions.MaxRetryAfter"/> (a longer
/// one moves on at once); other failures move on at once. Delays run on <see cref="FallbackChatClientOptions.TimeProvider"/>.
/// Every attempt, retries included, is listed among the failures.</para>
/// <para>With <see cref="FallbackChatClientOptions.CircuitBreakers"/>, a model whose circuit is open is skipped without
/// being called (its failure is a <see cref="CircuitBreakerOpenException"/>); every attempt's outcome is reported to its
/// breaker, except budget refusals and cancellation.</para>
/// <para>Streaming falls back only before the first update has been yielded; once output has reached the caller, a
/// later failure propagates (replaying a different model's answer after partial output would garble it).</para>
/// <para>When every candidate fails: if all were refused by a budget the first <see cref="BudgetExceededException"/>
/// is rethrown, otherwise <see cref="AllModelsFailedException"/>. Thread-safe; does not own (or dispose) the candidates.</para>
/// </remarks>
public sealed class FallbackChatClient : IChatClient
{
    /// <summary>The <see cref="ChatResponse.AdditionalProperties"/> key naming the model that answered.</summary>
    public const string ModelPropertyName = "engram.model";

    private readonly FallbackCandidate[] _candidates;
    private readonly FallbackChatClientOptions _options;
    private readonly ResiliencePipeline _retry;

    /// <summary>Creates the client; candidates are tried in the order given.</summary>
    public FallbackChatClient(IEnumerable<FallbackCandidate> candidates, FallbackChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        _candidates = [.. candidates];
        _options = options ?? new FallbackChatClientOptions();
        _retry = BuildRetryPipeline(_options);
    }

    /// <summary>The candidates in the order they are tried.</summary>
    public IReadOnlyList<FallbackCandidate> Candidates => _candidates;

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var messageList = messages as IList<ChatMessage> ?? [.. messages];
        var failures = new List<KeyValuePair<string, Exception>>();
        foreach (var candidate in _candidates)
        {
            var call = new CandidateCall(this, candidate, messageList, options, failures, cancellationToken);
            var outcome = await ExecuteAsync(
                static async (call, attempt) =>
                {
                    var response = await call.Candidate.Client.GetResponseAsync(call.Messages, call.ChatOptions, attempt.Token).ConfigureAwait(false);
                    attempt.Dispose();
                    return response;
                },
                call).ConfigureAwait(false);
            if (outcome is { } response)
            {
                response.ModelId = candidate.ModelId;
                (response.AdditionalProperties ??= [])[ModelPropertyName] = candidate.ModelId;
                return response;
            }
        }

        throw Failed(failures);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var messageList = messages as IList<ChatMessage> ?? [.. messages];
        var failures = new List<KeyValuePair<string, Exception>>();
        foreach (var candidate in _candidates)
        {
            var call = new CandidateCall(this, candidate, messageList, options, failures, cancellationToken);
            var opened = await ExecuteAsync(
                static async (call, attempt) =>
                {
                    IAsyncEnumerator<ChatResponseUpdate>? enumerator = null;
                    try
                    {
                        enumerator = call.Candidate.Client.GetStreamingResponseAsync(call.Messages, call.ChatOptions, attempt.Token).GetAsyncEnumerator(attempt.Token);
                        var hasFirst = await enumerator.MoveNextAsync().ConfigureAwait(false);
                        return new OpenStream(enumerator, hasFirst, attempt);
                    }
                    catch (Exception)
                    {
                        await DisposeQuietlyAsync(enumerator).ConfigureAwait(false);
                        throw;
                    }
                },
                call).ConfigureAwait(false);
            if (opened is not { } stream)
            {
                continue;
            }

            // Committed to this candidate: from here on failures propagate to the caller. The model answered, so
            // its circuit has already counted a success even if the stream breaks later.
            var enumerator = stream.Enumerator;
            try
            {
                stream.Attempt.StopTimer();
                if (!stream.HasFirst)
                {
                    yield break;
                }

                var first = enumerator.Current;
                first.ModelId = candidate.ModelId;
                (first.AdditionalProperties ??= [])[ModelPropertyName] = candidate.ModelId;
                yield return first;
                while (await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    var update = enumerator.Current;
                    update.ModelId = candidate.ModelId;
                    yield return update;
                }

                yield break;
            }
            finally
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
                stream.Attempt.Dispose();
            }
        }

        throw Failed(failures);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this
            : _candidates.Length > 0 ? _candidates[0].Client.GetService(serviceType, serviceKey)
            : null;
    }

    /// <summary>Does nothing: the candidates belong to whoever created them (normally the <see cref="ModelRegistry"/>).</summary>
    public void Dispose()
    {
    }

    /// <summary>True for exceptions that mean "the server is busy or broken" (429, 5xx), whether carried by
    /// <see cref="ModelProviderException"/> or <see cref="HttpRequestException"/>.</summary>
    public static bool IsTransient(Exception exception)
    {
        var status = exception switch
        {
            ModelProviderException p => p.StatusCode,
            HttpRequestException h => h.StatusCode,
            _ => null,
        };
        return status is HttpStatusCode.TooManyRequests || (int?)status >= 500;
    }

    // Runs one candidate through the retry pipeline. Each attempt consults the model's breaker, calls the model and
    // lists its failure; Polly decides whether (and after how long) to try the same model again. Returns null when the
    // candidate finally failed (move on to the next one); rethrows the caller's cancellation.
    // The attempt is disposed here on failure; on success `send` owns it (and disposes it when done).
    private async Task<T?> ExecuteAsync<T>(Func<CandidateCall, Attempt, Task<T>> send, CandidateCall call)
        where T : class
    {
        var context = ResilienceContextPool.Shared.Get(call.CancellationToken);
        try
        {
            var outcome = await _retry.ExecuteOutcomeAsync(
                static async (context, state) =>
                {
                    var (call, send) = state;
                    call.CancellationToken.ThrowIfCancellationRequested();
                    var breaker = call.Owner._options.CircuitBreakers?.Get(call.Candidate.ModelId);
                    if (breaker is not null && !breaker.TryAcquire())
                    {
                        var open = new CircuitBreakerOpenException(call.Candidate.ModelId);
                        call.Failures.Add(new(call.Candidate.ModelId, open));
                        return Outcome.FromException<T>(open);
                    }

                    var attempt = new Attempt(call.CancellationToken, call.Owner._options);
                    try
                    {
                        var result = await send(call, attempt).ConfigureAwait(false);
                        breaker?.RecordSuccess();
                        return Outcome.FromResult(result);
                    }
                    catch (Exception) when (call.CancellationToken.IsCancellationRequested)
                    {
                        attempt.Dispose();
                        breaker?.Release();
                        throw;
                    }
                    catch (Exception e)
                    {
                        var failure = attempt.Classify(e);
                        attempt.Dispose();
                        ReportFailure(breaker, failure);
                        call.Failures.Add(new(call.Candidate.ModelId, failure));
                        return Outcome.FromException<T>(failure);
                    }
                },
                context,
                (call, send)).ConfigureAwait(false);

            if (outcome.Exception is { } exception && call.CancellationToken.IsCancellationRequested)
            {
                ExceptionDispatchInfo.Throw(exception is OperationCanceledException ? exception : new OperationCanceledException(call.CancellationToken));
            }

            return outcome.Exception is null ? outcome.Result : null;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // Polly's retry: transient failures only (never the caller's cancellation, which is not a failure), exponential
    // backoff with jitter capped at MaxDelay, or exactly the server's Retry-After when it is short enough (a longer one
    // is not retried, so the caller moves on to the next model at once).
    private static ResiliencePipeline BuildRetryPipeline(FallbackChatClientOptions options)
    {
        if (options.MaxRetries <= 0)
        {
            return ResiliencePipeline.Empty;
        }

        var maxRetryAfter = options.MaxRetryAfter;
        return new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    !args.Context.CancellationToken.IsCancellationRequested
                    && args.Outcome.Exception is { } e
                    && (IsTransient(e) || e is TimeoutException)
                    && !(e is ModelProviderException { RetryAfter: { } retryAfter } && retryAfter > maxRetryAfter)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Outcome.Exception is ModelProviderException { RetryAfter: { } retryAfter }
                        ? (retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter)
                        : null),
            })
            .Build();
    }

    // Budget refusals say nothing about the model's health, so they neither open nor close its circuit.
    private static void ReportFailure(CircuitBreaker? breaker, Exception failure)
    {
        if (breaker is null)
        {
            return;
        }

        if (failure is BudgetExceededException)
        {
            breaker.Release();
        }
        else
        {
            breaker.RecordFailure();
        }
    }

    private static Exception Failed(List<KeyValuePair<string, Exception>> failures)
    {
        if (failures.Count > 0 && failures.All(f => f.Value is BudgetExceededException))
        {
            ExceptionDispatchInfo.Throw(failures[0].Value);
        }

        return new AllModelsFailedException(failures);
    }

    private static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<ChatResponseUpdate>? enumerator)
    {
        if (enumerator is null)
        {
            return;
        }

        try
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The attempt has already failed; a second error from tearing it down adds nothing.
        }
    }

    private sealed record CandidateCall(
        FallbackChatClient Owner,
        FallbackCandidate Candidate,
        IList<ChatMessage> Messages,
        ChatOptions? ChatOptions,
        List<KeyValuePair<string, Exception>> Failures,
        CancellationToken CancellationToken);

    private sealed record OpenStream(IAsyncEnumerator<ChatResponseUpdate> Enumerator, bool HasFirst, Attempt Attempt);

    // One attempt's cancellation: the caller's token plus an optional timeout on the options' clock.
    private sealed class Attempt : IDisposable
    {
        private readonly CancellationToken _caller;
        private readonly CancellationTokenSource _source;
        private readonly ITimer? _timer;

        public Attempt(CancellationToken caller, FallbackChatClientOptions options)
        {
            _caller = caller;
            _source = CancellationTokenSource.CreateLinkedTokenSource(caller);
            if (options.AttemptTimeout is { } timeout)
            {
                _timer = options.TimeProvider.CreateTimer(static state => CancelQuietly((CancellationTokenSource)state!), _source, timeout, Timeout.InfiniteTimeSpan);
            }
        }

        public CancellationToken Token => _source.Token;

        public Exception Classify(Exception exception) =>
            exception is OperationCanceledException && _source.IsCancellationRequested && !_caller.IsCancellationRequested
                ? new TimeoutException("The model did not answer within the attempt timeout.", exception)
                : exception;

        public void StopTimer() => _timer?.Dispose();

        public void Dispose()
        {
            _timer?.Dispose();
            _source.Dispose();
        }

        private static void CancelQuietly(CancellationTokenSource source)
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The attempt finished while the timer fired.
            }
        }
    }
}
