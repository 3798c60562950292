using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

/// <summary>Sets a <see cref="BudgetScope"/> on <see cref="ChatOptions"/>.</summary>
public static class BudgetScopeChatOptionsExtensions
{
    /// <summary>
    /// Sets <see cref="BudgetScope.IdPropertyName"/> to <paramref name="id"/> and <see cref="BudgetScope.MaxUsdPropertyName"/>
    /// to <paramref name="maxUsd"/> (removed when null) in <paramref name="options"/>, which it changes and returns.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty, or <paramref name="maxUsd"/> is negative.</exception>
    public static ChatOptions WithBudgetScope(this ChatOptions options, string id, decimal? maxUsd = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (maxUsd is { } cap)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(cap, nameof(maxUsd));
        }

        var properties = options.AdditionalProperties ??= [];
        properties[BudgetScope.IdPropertyName] = id;
        if (maxUsd is { } value)
        {
            properties[BudgetScope.MaxUsdPropertyName] = (double)value;
        }
        else
        {
            properties.Remove(BudgetScope.MaxUsdPropertyName);
        }

        return options;
    }

    /// <summary>Sets <paramref name="scope"/> in <paramref name="options"/>, which it changes and returns; see <see cref="WithBudgetScope(ChatOptions, string, decimal?)"/>.</summary>
    public static ChatOptions WithBudgetScope(this ChatOptions options, BudgetScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return options.WithBudgetScope(scope.Id, scope.MaxUsd);
    }
}
