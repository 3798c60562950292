namespace Engram.Models.Routing;

/// <summary>Every candidate of a <see cref="FallbackChatClient"/> failed; <see cref="Failures"/> says how, in order.</summary>
public sealed class AllModelsFailedException : Exception
{
    /// <summary>Creates the exception; the last failure becomes the inner exception.</summary>
    public AllModelsFailedException(IReadOnlyList<KeyValuePair<string, Exception>> failures)
        : base(FormatMessage(failures), failures.Count > 0 ? failures[^1].Value : null)
    {
        Failures = failures;
    }

    /// <summary>(model name, exception) for every attempt, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, Exception>> Failures { get; }

    private static string FormatMessage(IReadOnlyList<KeyValuePair<string, Exception>> failures) =>
        failures.Count == 0
            ? "No model is available for this request."
            : "All models failed: " + string.Join("; ", failures.Select(f => $"{f.Key}: {f.Value.GetType().Name}: {f.Value.Message}"));
}
