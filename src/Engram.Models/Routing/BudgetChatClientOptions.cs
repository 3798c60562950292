using Engram.Models.Configuration;

namespace Engram.Models.Routing;

/// <summary>Settings of a <see cref="BudgetChatClient"/>.</summary>
public sealed record BudgetChatClientOptions
{
    /// <summary>The caps to enforce; none by default.</summary>
    public BudgetDefinition Budgets { get; init; } = new();

    /// <summary>The task recorded in the ledger.</summary>
    public ModelTask Task { get; init; } = ModelTask.Dialogue;

    /// <summary>Output tokens assumed when estimating a request whose <c>ChatOptions.MaxOutputTokens</c> is unset. Default 1024.</summary>
    public int DefaultMaxOutputTokens { get; init; } = 1024;

    /// <summary>Clock for timestamps, the UTC day and latency. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
