using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engram.Core.Storage;
using Engram.Features.Hosting;
using Engram.Models.Routing;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Engram.Mcp.Tools;

/// <summary>
/// Builds tool results: JSON as both text content and <c>structuredContent</c>, and failures as <c>isError</c> results
/// whose text says what went wrong and how to fix it (so an agent can recover).
/// </summary>
internal static class ToolResults
{
    /// <summary>camelCase JSON with readable (unescaped) non-ASCII text.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    /// <summary>A successful result holding <paramref name="value"/> as JSON.</summary>
    public static CallToolResult Ok<T>(T value)
    {
        var element = JsonSerializer.SerializeToElement(value, Json);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = element.GetRawText() }],
            StructuredContent = element,
        };
    }

    /// <summary>A successful result holding plain text.</summary>
    public static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    /// <summary>An <c>isError</c> result with <paramref name="message"/>.</summary>
    public static CallToolResult Error(string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
    };

    /// <summary>
    /// Runs <paramref name="body"/>, turning the failures a caller can act on into <c>isError</c> results.
    /// Cancellation propagates (the SDK answers the cancelled request).
    /// </summary>
    public static async Task<CallToolResult> RunAsync(string tool, Func<Task<CallToolResult>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (ModelUnavailableException ex)
        {
            return Error($"{tool}: {ex.Message}");
        }
        catch (NotImplementedException)
        {
            return Error($"{tool}: this feature is not available in this build of Engram yet.");
        }
        catch (ArgumentException ex)
        {
            return Error($"{tool}: {StripParameter(ex)}");
        }
        catch (KeyNotFoundException ex)
        {
            return Error($"{tool}: {ex.Message}");
        }
        catch (IndexStoreException ex)
        {
            return Error($"{tool}: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Error($"{tool}: cannot read the file: {ex.Message}");
        }
        catch (Exception ex) when (ex is AllModelsFailedException or BudgetExceededException or ModelProviderException or CircuitBreakerOpenException)
        {
            return Error($"{tool}: the model call failed: {ex.Message}");
        }
        catch (McpException ex)
        {
            return Error($"{tool}: {ex.Message}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or FormatException || ex.GetType().Name == "SqliteException")
        {
            // Unexpected, but still the agent's best clue; provider messages are redacted where they are raised.
            return Error($"{tool} failed: {ex.Message}");
        }
    }

    private static string StripParameter(ArgumentException ex) =>
        ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
}
