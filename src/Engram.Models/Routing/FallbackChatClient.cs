using System.Net;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

/// <summary>
/// Sends a request to the first of several candidate models and, when it fails, to the next: on any exception, on a
/// per-attempt timeout, on HTTP 429 and on 5xx. The answer carries the configured name of the model that produced it
/// in <see cref="ChatResponse.ModelId"/> and in <see cref="ChatResponse.AdditionalProperties"/>[<see cref="ModelPropertyName"/>].
/// </summary>
/// <remarks>
/// <para>Cancellation by the caller is not a failure: it is rethrown at once and never retried. A timeout is reported
/// as a <see cref="TimeoutException"/> among the failures.</para>
/// <para>Transient failures (429, 5xx, attempt timeouts) retry the same candidate up to
/// <see cref="FallbackChatClientOptions.MaxRetries"/> times with exponential backoff and jitter, or after exactly the
/// server's Retry-After when it is no longer than <see cref="FallbackChatClientOptions.MaxRetryAfter"/> (a longer one
/// moves on at once); other failures move on at once. Every attempt, retries included, is listed among the failures.</para>
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

    /// <summary>Creates the client; candidates are tried in the order given.</summary>
    public FallbackChatClient(IEnumerable<FallbackCandidate> candidates, FallbackChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        _candidates = [.. candidates];
        _options = options ?? new FallbackChatClientOptions();
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
            var breaker = _options.CircuitBreakers?.Get(candidate.ModelId);
            for (var retry = 0; ; retry++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (breaker is not null && !breaker.TryAcquire())
                {
                    failures.Add(new(candidate.ModelId, new CircuitBreakerOpenException(candidate.ModelId)));
                    break;
                }

                Exception failure;
                using (var attempt = new Attempt(cancellationToken, _options))
                {
                    try
                    {
                        var response = await candidate.Client.GetResponseAsync(messageList, options, attempt.Token).ConfigureAwait(false);
                        breaker?.RecordSuccess();
                        response.ModelId = candidate.ModelId;
                        (response.AdditionalProperties ??= [])[ModelPropertyName] = candidate.ModelId;
                        return response;
                    }
                    catch (Exception) when (cancellationToken.IsCancellationRequested)
                    {
                        breaker?.Release();
                        throw;
                    }
                    catch (Exception e)
                    {
                        failure = attempt.Classify(e);
                    }
                }

                ReportFailure(breaker, failure);
                failures.Add(new(candidate.ModelId, failure));
                if (RetryDelay(failure, retry) is not { } delay)
                {
                    break;
                }

                await Task.Delay(delay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
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
            var breaker = _options.CircuitBreakers?.Get(candidate.ModelId);
            for (var retry = 0; ; retry++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (breaker is not null && !breaker.TryAcquire())
                {
                    failures.Add(new(candidate.ModelId, new CircuitBreakerOpenException(candidate.ModelId)));
                    break;
                }

                var attempt = new Attempt(cancellationToken, _options);
                IAsyncEnumerator<ChatResponseUpdate>? enumerator = null;
                Exception? failure = null;
                var hasFirst = false;
                try
                {
                    enumerator = candidate.Client.GetStreamingResponseAsync(messageList, options, attempt.Token).GetAsyncEnumerator(attempt.Token);
                    hasFirst = await enumerator.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    breaker?.Release();
                    await DisposeQuietlyAsync(enumerator).ConfigureAwait(false);
                    attempt.Dispose();
                    throw;
                }
                catch (Exception e)
                {
                    failure = attempt.Classify(e);
                }

                if (failure is not null)
                {
                    await DisposeQuietlyAsync(enumerator).ConfigureAwait(false);
                    attempt.Dispose();
                    ReportFailure(breaker, failure);
                    failures.Add(new(candidate.ModelId, failure));
                    if (RetryDelay(failure, retry) is not { } delay)
                    {
                        break;
                    }

                    await Task.Delay(delay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                // Committed to this candidate: from here on failures propagate to the caller. The model answered, so
                // its circuit counts a success even if the stream breaks later.
                breaker?.RecordSuccess();
                try
                {
                    attempt.StopTimer();
                    if (!hasFirst)
                    {
                        yield break;
                    }

                    var first = enumerator!.Current;
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
                    await enumerator!.DisposeAsync().ConfigureAwait(false);
                    attempt.Dispose();
                }
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

    // The wait before retrying the same model after its (retry + 1)-th failure, or null to move on to the next model.
    private TimeSpan? RetryDelay(Exception failure, int retry)
    {
        if (retry >= _options.MaxRetries || !(IsTransient(failure) || failure is TimeoutException))
        {
            return null;
        }

        if (failure is ModelProviderException { RetryAfter: { } retryAfter })
        {
            return retryAfter <= _options.MaxRetryAfter ? (retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter) : null;
        }

        var backoff = _options.BaseDelay * Math.Pow(2, Math.Min(retry, 30));
        if (backoff > _options.MaxDelay)
        {
            backoff = _options.MaxDelay;
        }

        // Jitter spreads the retries of concurrent requests so they do not hit a recovering server in lockstep.
        return backoff * (0.5 + (0.5 * Random.Shared.NextDouble()));
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
