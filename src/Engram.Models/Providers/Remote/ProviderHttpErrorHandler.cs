using System.Text;

namespace Engram.Models.Providers.Remote;

/// <summary>
/// Sits under every provider SDK's <see cref="HttpClient"/> and throws a <see cref="Routing.ModelProviderException"/>
/// for any error response, so that the status and Retry-After reach the router whichever SDK made the call.
/// </summary>
/// <remarks>The SDKs' own retries are off: retrying (after Retry-After) and falling back is the router's job.</remarks>
internal sealed class ProviderHttpErrorHandler(string modelName, string? secret, TimeProvider timeProvider) : DelegatingHandler(new SocketsHttpHandler())
{
    private const int MaxBodyBytes = 2048;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var retryAfter = ProviderErrors.RetryAfter(response, timeProvider);
            var body = await ReadStartAsync(response.Content, cancellationToken).ConfigureAwait(false);
            throw ProviderErrors.FromStatus(modelName, response.StatusCode, retryAfter, body, secret);
        }
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = base.Send(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw ProviderErrors.FromStatus(modelName, response.StatusCode, ProviderErrors.RetryAfter(response, timeProvider), body: null, secret);
        }
    }

    private static async Task<string?> ReadStartAsync(HttpContent content, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[MaxBodyBytes];
                var read = 0;
                int n;
                while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    read += n;
                }

                return Encoding.UTF8.GetString(buffer, 0, read);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return null; // The status alone is enough to route on.
        }
    }
}
