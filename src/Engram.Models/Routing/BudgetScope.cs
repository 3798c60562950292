using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

/// <summary>
/// A per-session or per-dialogue budget: every request whose <see cref="ChatOptions.AdditionalProperties"/> name the
/// same <see cref="Id"/> shares one cap of <see cref="MaxUsd"/>, across models and days.
/// </summary>
/// <remarks>
/// Carried in <see cref="ChatOptions.AdditionalProperties"/> under <see cref="IdPropertyName"/> (string) and
/// <see cref="MaxUsdPropertyName"/> (a number; set it with
/// <see cref="BudgetScopeChatOptionsExtensions.WithBudgetScope(ChatOptions, string, decimal?)"/>).
/// <see cref="BudgetChatClient"/> refuses a request before sending it when the scope's recorded spend plus its
/// reservations in flight plus the request's estimate would pass the cap, and records the id as
/// <see cref="UsageEntry.BudgetScope"/>. The router removes both properties before a provider sees the options.
/// </remarks>
/// <param name="Id">The scope's id (e.g. a session or dialogue id); not empty.</param>
/// <param name="MaxUsd">The scope's cap in USD (≥ 0), or null for a scope that is only recorded.</param>
public sealed record BudgetScope(string Id, decimal? MaxUsd = null)
{
    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key of the scope id (string).</summary>
    public const string IdPropertyName = "engram.budget_scope";

    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key of the scope cap in USD (a number, stored as <see cref="double"/>).</summary>
    public const string MaxUsdPropertyName = "engram.budget_scope_usd";

    /// <summary>
    /// The scope named by <paramref name="options"/>, or null when it names none (no id, or an empty one). The cap may
    /// be any numeric type, a numeric <see cref="JsonElement"/> or an invariant-culture numeric string.
    /// </summary>
    /// <exception cref="ArgumentException">The cap is not a number, or is negative or not finite.</exception>
    public static BudgetScope? FromOptions(ChatOptions? options)
    {
        var properties = options?.AdditionalProperties;
        if (properties is null || !properties.TryGetValue(IdPropertyName, out var idValue) || idValue?.ToString() is not { Length: > 0 } id)
        {
            return null;
        }

        return properties.TryGetValue(MaxUsdPropertyName, out var capValue) && capValue is not null
            ? new BudgetScope(id, ParseCap(capValue))
            : new BudgetScope(id);
    }

    private static decimal ParseCap(object value)
    {
        double cap;
        try
        {
            cap = value switch
            {
                double d => d,
                float f => f,
                decimal m => (double)m,
                JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
                JsonElement { ValueKind: JsonValueKind.String } e => double.Parse(e.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
                string s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
                IConvertible c when value is not bool => c.ToDouble(CultureInfo.InvariantCulture),
                _ => double.NaN,
            };
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            cap = double.NaN;
        }

        if (!double.IsFinite(cap) || cap < 0 || cap > (double)decimal.MaxValue)
        {
            throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{MaxUsdPropertyName}\"] must be a finite number ≥ 0 (got {value}).", "options");
        }

        return (decimal)cap;
    }
}
