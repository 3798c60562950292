namespace Engram.Models.Configuration;

/// <summary>The spellings <c>engram.json</c> uses for enum values, and the properties each object accepts.</summary>
/// <remarks><c>schemas/engram.schema.json</c> must list the same names; a test keeps them in step.</remarks>
public static class ConfigNames
{
    /// <summary>Provider names in declaration order of <see cref="ModelProvider"/>.</summary>
    public static IReadOnlyList<string> Providers { get; } = ["local-gguf", "openai", "anthropic", "ollama", "fake", "onnx"];

    /// <summary>Capability names in declaration order of <see cref="ModelCapability"/>.</summary>
    public static IReadOnlyList<string> Capabilities { get; } = ["completion", "fim", "chat", "reasoning", "code", "review", "embedding"];

    /// <summary>Latency class names in declaration order of <see cref="Configuration.LatencyClass"/>.</summary>
    public static IReadOnlyList<string> LatencyClasses { get; } = ["fast", "medium", "slow"];

    /// <summary>Task names in declaration order of <see cref="ModelTask"/>.</summary>
    public static IReadOnlyList<string> Tasks { get; } = ["completion", "inline", "code-action", "review", "docs", "research", "dialogue"];

    /// <summary>Properties of the root object.</summary>
    public static IReadOnlyList<string> RootProperties { get; } = ["$schema", "models", "routes", "budgets", "trustedFolders", "discovery"];

    /// <summary>Properties of an entry of <c>models</c>.</summary>
    public static IReadOnlyList<string> ModelProperties { get; } =
        ["name", "provider", "endpoint", "path", "apiKeyEnv", "capabilities", "contextWindow", "costPerMillionInput", "costPerMillionOutput", "latencyClass", "priority"];

    /// <summary>Properties of an entry of <c>routes</c>.</summary>
    public static IReadOnlyList<string> RouteProperties { get; } = ["capabilities", "preferred", "fallback"];

    /// <summary>Properties of <c>budgets</c>.</summary>
    public static IReadOnlyList<string> BudgetProperties { get; } = ["dailyUsd", "perRequestUsd"];

    /// <summary>The <c>engram.json</c> spelling of <paramref name="value"/>.</summary>
    public static string ToJsonName(ModelProvider value) => Providers[(int)value];

    /// <summary>The <c>engram.json</c> spelling of <paramref name="value"/>.</summary>
    public static string ToJsonName(ModelCapability value) => Capabilities[(int)value];

    /// <summary>The <c>engram.json</c> spelling of <paramref name="value"/>.</summary>
    public static string ToJsonName(LatencyClass value) => LatencyClasses[(int)value];

    /// <summary>The <c>engram.json</c> spelling of <paramref name="value"/>.</summary>
    public static string ToJsonName(ModelTask value) => Tasks[(int)value];
}
