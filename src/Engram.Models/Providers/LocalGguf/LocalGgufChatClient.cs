using System.Runtime.CompilerServices;
using System.Text;
using Engram.Models.Configuration;
using LLama;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Engram.Models.Providers.LocalGguf;

/// <summary>
/// An <see cref="IChatClient"/> that runs a GGUF model in-process on the CPU through LLamaSharp (llama.cpp).
/// </summary>
/// <remarks>
/// <para>Loading: the model is loaded on the first request (not in the constructor) and stays warm for the life of the
/// process, shared by every client of the same file: one <c>LLamaWeights</c> per full path and one context per
/// (path, context size, threads, batch size), with a one-token warm-up decode at load. <see cref="Dispose"/> therefore
/// frees nothing native. llama.cpp's own logs go to the <see cref="ILogger"/> given (the latest one wins, process-wide),
/// never to stdout.</para>
/// <para>Prompts: by default the messages are rendered with the model's chat template (GGUF
/// <c>tokenizer.chat_template</c>, applied by llama.cpp) or, when the model has none, as a plain transcript
/// (<c>role: text</c> lines ending with <c>assistant:</c>). Two <see cref="ChatOptions.AdditionalProperties"/> change
/// that: <see cref="FimSuffixProperty"/> (string) makes the last message's text the code before the cursor and the value
/// the code after it, prompted with <see cref="FimPrompt.Build(FimTokens?, string, string)"/> (plain prefix completion
/// when the model has no FIM tokens); <see cref="RawPromptProperty"/> (true) continues the concatenated message texts
/// as they are.</para>
/// <para>Prefix reuse: the context keeps the tokens it evaluated; a request decodes only the tokens after the longest
/// common prefix with them (reported as <see cref="ReusedPromptTokensCount"/> in <see cref="UsageDetails.AdditionalCounts"/>),
/// so repeated completions while typing cost only the new text. A prompt too long for the context keeps its last tokens.</para>
/// <para>Thread-safe: requests on the same model run one at a time, in arrival order of the model's gate. Honours
/// <see cref="ChatOptions.MaxOutputTokens"/>, <see cref="ChatOptions.Temperature"/> (0 is greedy),
/// <see cref="ChatOptions.StopSequences"/> (the stop text is not returned) and <see cref="ChatOptions.Seed"/>;
/// cancellation is checked between tokens and prompt batches and surfaces as <see cref="OperationCanceledException"/>.</para>
/// </remarks>
public sealed class LocalGgufChatClient : IChatClient
{
    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key: the code after the cursor (string) for a fill-in-the-middle request.</summary>
    public const string FimSuffixProperty = "engram.fim_suffix";

    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key: true to continue the message texts as a raw prompt, with no chat template.</summary>
    public const string RawPromptProperty = "engram.raw_prompt";

    /// <summary><see cref="UsageDetails.AdditionalCounts"/> key: prompt tokens whose KV cache was reused from an earlier request.</summary>
    public const string ReusedPromptTokensCount = "engram.reused_prompt_tokens";

    /// <summary>
    /// Largest context allocated from a model's declared context window when <see cref="LocalGgufOptions.ContextSize"/>
    /// is not set: a 128k-token window would otherwise reserve gigabytes of KV cache for completion prompts of a few
    /// thousand tokens. Set <see cref="LocalGgufOptions.ContextSize"/> to go beyond it.
    /// </summary>
    public const int MaxDefaultContextSize = 8192;

    private const int DefaultContextSize = 2048;

    private readonly string _path;
    private readonly string _modelId;
    private readonly LocalGgufOptions _options;
    private readonly int _contextSize;
    private readonly ILogger? _logger;

    /// <summary>Creates a client for the GGUF file at <see cref="ModelDefinition.Path"/>, reported under <see cref="ModelDefinition.Name"/>.</summary>
    /// <exception cref="ArgumentException">The definition has no path, or an option is out of range.</exception>
    public LocalGgufChatClient(ModelDefinition model, LocalGgufOptions? options = null, ILogger? logger = null)
        : this(
            (model ?? throw new ArgumentNullException(nameof(model))).Path ?? throw new ArgumentException($"Model \"{model.Name}\" has no path.", nameof(model)),
            model.Name,
            options is null || options.ContextSize is null
                ? (options ?? new LocalGgufOptions()) with { ContextSize = model.ContextWindow is { } window ? Math.Min(window, MaxDefaultContextSize) : null }
                : options,
            logger)
    {
    }

    /// <summary>Creates a client for the GGUF file at <paramref name="modelPath"/>, reported as <paramref name="modelId"/> (default: the file name without extension).</summary>
    /// <exception cref="ArgumentException">The path is empty, or an option is out of range.</exception>
    public LocalGgufChatClient(string modelPath, string? modelId = null, LocalGgufOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        _options = options ?? new LocalGgufOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.Threads, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxTokens, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.BatchSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.Temperature, nameof(options));
        _contextSize = _options.ContextSize ?? DefaultContextSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(_contextSize, 16, nameof(options));
        _path = modelPath;
        _modelId = modelId ?? Path.GetFileNameWithoutExtension(modelPath);
        _logger = logger;
    }

    /// <summary>Loads the model now (it is otherwise loaded on the first request); a no-op once loaded.</summary>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    public Task LoadAsync(CancellationToken cancellationToken = default) =>
        Task.Run(GetModel, cancellationToken);

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var messageList = messages as IList<ChatMessage> ?? [.. messages];
        cancellationToken.ThrowIfCancellationRequested();
        var model = await Task.Run(GetModel, cancellationToken).ConfigureAwait(false);
        var (prompt, parseSpecial) = BuildPrompt(model, messageList, options);
        var maxTokens = options?.MaxOutputTokens ?? _options.MaxTokens;
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens, nameof(options));
        var temperature = options?.Temperature ?? _options.Temperature;
        var seed = options?.Seed is { } s ? unchecked((uint)s) : _options.Seed;
        var stops = options?.StopSequences?.Where(static x => !string.IsNullOrEmpty(x)).ToArray() ?? [];
        var responseId = Guid.NewGuid().ToString("N");
        var messageId = Guid.NewGuid().ToString("N");

        await model.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var context = model.Context;
            var promptTokens = context.Tokenize(prompt, addBos: true, special: parseSpecial);
            if (promptTokens.Length == 0)
            {
                // An empty prompt on a model that adds no BOS: start from BOS (or EOS), as llama.cpp's examples do.
                var start = context.Vocab.BOS ?? context.Vocab.EOS ?? throw new ArgumentException("The prompt is empty.", nameof(messages));
                promptTokens = [start];
            }

            maxTokens = Math.Min(maxTokens, _contextSize / 2);
            if (promptTokens.Length > _contextSize - maxTokens)
            {
                promptTokens = promptTokens[^(_contextSize - maxTokens)..];
            }

            var reused = await EvaluatePromptAsync(model, promptTokens, cancellationToken).ConfigureAwait(false);
            using var sampler = CreateSampler(temperature, seed);
            var decoder = new StreamingTokenDecoder(context);
            var pending = new StringBuilder();
            var generated = 0;
            var finish = ChatFinishReason.Length;
            var batch = new LLamaBatch();
            var logitIndex = -1;
            while (generated < maxTokens && model.Evaluated.Count < _contextSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var token = sampler.Sample(context.NativeHandle, logitIndex);
                if (token.IsEndOfGeneration(context.Vocab))
                {
                    finish = ChatFinishReason.Stop;
                    break;
                }

                generated++;
                decoder.Add(token);
                pending.Append(decoder.Read());
                var (emit, stopped) = TakeEmittable(pending, stops);
                if (emit.Length > 0)
                {
                    yield return TextUpdate(emit, responseId, messageId);
                }

                if (stopped)
                {
                    finish = ChatFinishReason.Stop;
                    pending.Clear();
                    break;
                }

                if (generated == maxTokens)
                {
                    break;
                }

                batch.Clear();
                batch.Add(token, model.Evaluated.Count, LLamaSeqId.Zero, true);
                await DecodeAsync(model, batch, cancellationToken).ConfigureAwait(false);
                model.Evaluated.Add(token);
                logitIndex = 0;
            }

            if (pending.Length > 0)
            {
                yield return TextUpdate(pending.ToString(), responseId, messageId);
            }

            var usage = new UsageDetails
            {
                InputTokenCount = promptTokens.Length,
                OutputTokenCount = generated,
                TotalTokenCount = promptTokens.Length + generated,
                AdditionalCounts = new() { [ReusedPromptTokensCount] = reused },
            };
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)])
            {
                ModelId = _modelId,
                ResponseId = responseId,
                MessageId = messageId,
                FinishReason = finish,
                CreatedAt = DateTimeOffset.UtcNow,
            };
        }
        finally
        {
            model.Gate.Release();
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return new ChatClientMetadata("local-gguf", null, _modelId);
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Does nothing: the model stays warm for other clients of the same file (see remarks).</summary>
    public void Dispose()
    {
    }

    private LocalGgufModel GetModel() =>
        LocalGgufModel.Get(_path, _contextSize, _options.Threads, _options.BatchSize, _logger);

    private static (string Prompt, bool ParseSpecial) BuildPrompt(LocalGgufModel model, IList<ChatMessage> messages, ChatOptions? options)
    {
        var properties = options?.AdditionalProperties;
        if (properties is not null && properties.TryGetValue(FimSuffixProperty, out var suffixValue) && suffixValue is string suffix)
        {
            var fim = FimPrompt.Build(model.Fim, messages.Count > 0 ? messages[^1].Text : string.Empty, suffix);
            return (fim.Text, fim.UsesFimTokens);
        }

        if (properties is not null && properties.TryGetValue(RawPromptProperty, out var rawValue) && rawValue is true)
        {
            return (string.Concat(messages.Select(static m => m.Text)), false);
        }

        if (model.HasChatTemplate)
        {
            var template = new LLamaTemplate(model.Weights) { AddAssistant = true };
            foreach (var message in messages)
            {
                template.Add(message.Role.Value, message.Text);
            }

            return (Encoding.UTF8.GetString(template.Apply()), true);
        }

        var transcript = new StringBuilder();
        foreach (var message in messages)
        {
            transcript.Append(message.Role.Value).Append(": ").Append(message.Text).Append('\n');
        }

        return (transcript.Append(ChatRole.Assistant.Value).Append(':').ToString(), false);
    }

    /// <summary>Brings the KV cache to <paramref name="promptTokens"/>, decoding only past the common prefix; returns the tokens reused.</summary>
    private async Task<int> EvaluatePromptAsync(LocalGgufModel model, LLamaToken[] promptTokens, CancellationToken cancellationToken)
    {
        var evaluated = model.Evaluated;
        var common = 0;
        while (common < evaluated.Count && common < promptTokens.Length && evaluated[common] == promptTokens[common])
        {
            common++;
        }

        // The last prompt token is always decoded again: its logits are what the first sample reads.
        common = Math.Min(common, promptTokens.Length - 1);
        if (common < evaluated.Count)
        {
            model.Context.NativeHandle.MemorySequenceRemove(LLamaSeqId.Zero, common, -1);
            evaluated.RemoveRange(common, evaluated.Count - common);
        }

        var batch = new LLamaBatch();
        for (var start = common; start < promptTokens.Length; start += _options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = Math.Min(start + _options.BatchSize, promptTokens.Length);
            batch.Clear();
            for (var i = start; i < end; i++)
            {
                batch.Add(promptTokens[i], i, LLamaSeqId.Zero, i == promptTokens.Length - 1);
            }

            await DecodeAsync(model, batch, cancellationToken).ConfigureAwait(false);
            evaluated.AddRange(promptTokens.AsSpan(start, end - start));
        }

        return common;
    }

    /// <remarks>
    /// LLamaSharp runs the decode with <c>Task.Run</c>: a cancelled token prevents it from starting but never abandons a
    /// running decode, so the context is idle again whenever this returns or throws.
    /// </remarks>
    private static async Task DecodeAsync(LocalGgufModel model, LLamaBatch batch, CancellationToken cancellationToken)
    {
        var result = await model.Context.DecodeAsync(batch, cancellationToken).ConfigureAwait(false);
        if (result != DecodeResult.Ok)
        {
            // The cache may hold part of the batch now; forget it all rather than trust it.
            model.Context.NativeHandle.MemoryClear(true);
            model.Evaluated.Clear();
            throw new InvalidOperationException($"llama.cpp decode failed: {result}.");
        }
    }

    private static BaseSamplingPipeline CreateSampler(float temperature, uint seed) =>
        temperature <= 0
            ? new GreedySamplingPipeline()
            : new DefaultSamplingPipeline { Temperature = temperature, Seed = seed };

    /// <summary>
    /// Removes and returns the text of <paramref name="pending"/> that can no longer be part of a stop sequence; when a
    /// stop sequence is complete, returns the text before it and true.
    /// </summary>
    internal static (string Emit, bool Stopped) TakeEmittable(StringBuilder pending, IReadOnlyList<string> stops)
    {
        var text = pending.ToString();
        var stopAt = -1;
        foreach (var stop in stops)
        {
            var index = text.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (stopAt < 0 || index < stopAt))
            {
                stopAt = index;
            }
        }

        if (stopAt >= 0)
        {
            pending.Clear();
            return (text[..stopAt], true);
        }

        var hold = 0;
        foreach (var stop in stops)
        {
            for (var k = Math.Min(stop.Length - 1, text.Length); k > hold; k--)
            {
                if (text.AsSpan(text.Length - k).SequenceEqual(stop.AsSpan(0, k)))
                {
                    hold = k;
                    break;
                }
            }
        }

        pending.Remove(0, text.Length - hold);
        return (text[..^hold], false);
    }

    private ChatResponseUpdate TextUpdate(string text, string responseId, string messageId) =>
        new(ChatRole.Assistant, text)
        {
            ModelId = _modelId,
            ResponseId = responseId,
            MessageId = messageId,
            CreatedAt = DateTimeOffset.UtcNow,
        };
}
