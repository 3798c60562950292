using Engram.Models.Configuration;

namespace Engram.Models.Discovery;

/// <summary>
/// Turns GGUF files found by <see cref="ModelDiscovery"/> into routable <see cref="ModelDefinition"/>s, so that a model
/// on the user's machine serves every task <c>engram.json</c> leaves unserved, and can be named by its listed name or
/// its path wherever a model name is accepted.
/// </summary>
/// <remarks>
/// Capabilities come from the GGUF header alone: every readable file has <c>completion</c>; FIM tokens in the
/// vocabulary add <c>fim</c>; a <c>tokenizer.chat_template</c> adds <c>chat</c> and <c>review</c>; a code-model family
/// (<see cref="IsCodeFamily"/>) with a chat template adds <c>code</c>. <see cref="ModelDefinition.Priority"/> ranks
/// discovered models among themselves (<see cref="Score"/>). Discovered models are local files on the user's own
/// machine, so they count as the user's models for workspace trust; they never add an endpoint.
/// </remarks>
public static class DiscoveredModels
{
    private static readonly string[] s_codeFamilies =
        ["coder", "starcoder", "codellama", "code-llama", "codestral", "codegemma", "codeqwen", "stable-code", "granite-code"];

    /// <summary>
    /// Returns <paramref name="config"/> with the readable files of <paramref name="found"/> appended as discovered
    /// models (after the configured ones), or <paramref name="config"/> itself when <see cref="EngramConfig.Discovery"/>
    /// is off. A file already configured (same full path) or whose name a configured model has is left out; of two
    /// files with the same listed name the first is kept.
    /// </summary>
    public static EngramConfig AddTo(EngramConfig config, IReadOnlyList<DiscoveredModel> found)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(found);
        if (!config.Discovery)
        {
            return config;
        }

        var names = new HashSet<string>(config.Models.Select(m => m.Name), StringComparer.Ordinal);
        var paths = new HashSet<string>(
            config.Models.Where(m => m.Provider == ModelProvider.LocalGguf && m.Path is not null).Select(m => Path.GetFullPath(m.Path!)),
            StringComparer.Ordinal);
        var models = config.Models.ToList();
        foreach (var model in found)
        {
            if (ToDefinition(model) is { } definition && !paths.Contains(model.Path) && names.Add(definition.Name))
            {
                models.Add(definition);
            }
        }

        return config with { Models = models };
    }

    /// <summary>The definition of one discovered file (provider <c>local-gguf</c>), or null when its header could not be read.</summary>
    public static ModelDefinition? ToDefinition(DiscoveredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Header is not { } header || model.Error is not null)
        {
            return null;
        }

        var capabilities = new List<ModelCapability> { ModelCapability.Completion };
        if (header.HasFimTokens)
        {
            capabilities.Add(ModelCapability.Fim);
        }

        if (header.HasChatTemplate)
        {
            capabilities.Add(ModelCapability.Chat);
            capabilities.Add(ModelCapability.Review);
            if (IsCodeFamily(model))
            {
                capabilities.Add(ModelCapability.Code);
            }
        }

        return new ModelDefinition
        {
            Name = model.DisplayName,
            Provider = ModelProvider.LocalGguf,
            Path = model.Path,
            Capabilities = capabilities,
            ContextWindow = header.ContextLength is { } context && context <= int.MaxValue ? (int)context : null,
            LatencyClass = model.SizeBytes <= 2L << 30 ? LatencyClass.Fast : model.SizeBytes <= 8L << 30 ? LatencyClass.Medium : LatencyClass.Slow,
            Priority = Score(model),
            Discovered = true,
        };
    }

    /// <summary>
    /// True when the file name, listed name, <c>general.name</c> or <c>general.architecture</c> names a code-model
    /// family (Qwen2.5-Coder, DeepSeek-Coder, StarCoder2, CodeLlama, Codestral, CodeGemma, …).
    /// </summary>
    public static bool IsCodeFamily(DiscoveredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string?[] texts = [model.DisplayName, Path.GetFileName(model.Path), model.Header?.Name, model.Architecture];
        return texts.Any(text => text is not null && s_codeFamilies.Any(family => text.Contains(family, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>
    /// The rank of a discovered file among discovered files (higher first): larger models first up to 8 GiB (what runs
    /// on a laptop; beyond that they rank below every smaller one), plus a bonus for quantizations that keep quality
    /// (Q4_K_M to Q8_0) over very low ones (Q2/Q3, IQ1/IQ2) or unquantized F32.
    /// </summary>
    public static int Score(DiscoveredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        const long limit = 8L << 30;
        var mib = (int)Math.Min(model.SizeBytes >> 20, int.MaxValue / 2);
        var size = model.SizeBytes <= limit ? mib : -mib;
        var quantization = model.Quantization ?? "";
        var bonus = quantization switch
        {
            "Q4_K_M" or "Q4_K_S" or "Q5_K_M" or "Q5_K_S" or "Q6_K" or "Q8_0" or "IQ4_XS" or "IQ4_NL" => 2_000,
            "Q4_0" or "Q4_1" or "Q5_0" or "Q5_1" or "F16" or "BF16" => 1_000,
            _ when quantization.StartsWith("Q2", StringComparison.Ordinal) || quantization.StartsWith("Q3", StringComparison.Ordinal)
                || quantization.StartsWith("IQ1", StringComparison.Ordinal) || quantization.StartsWith("IQ2", StringComparison.Ordinal) => -1_000,
            _ => 0,
        };
        return size + bonus;
    }
}
