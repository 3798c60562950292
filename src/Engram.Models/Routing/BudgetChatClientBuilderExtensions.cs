using Engram.Models.Configuration;
using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

/// <summary>Adds a <see cref="BudgetChatClient"/> to a <see cref="ChatClientBuilder"/> pipeline.</summary>
public static class BudgetChatClientBuilderExtensions
{
    /// <summary>Enforces budgets on requests to <paramref name="model"/> and records them in <paramref name="ledger"/>; see <see cref="BudgetChatClient"/>.</summary>
    public static ChatClientBuilder UseBudget(this ChatClientBuilder builder, ModelDefinition model, IUsageLedger ledger, BudgetChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ledger);
        return builder.Use(inner => new BudgetChatClient(inner, model, ledger, options));
    }
}
