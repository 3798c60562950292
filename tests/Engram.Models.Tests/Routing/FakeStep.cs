using Microsoft.Extensions.AI;

namespace Engram.Models.Tests.Routing;

/// <summary>One scripted reaction of a <see cref="FakeChatClient"/>.</summary>
/// <param name="Text">Reply text; streamed one word per update.</param>
/// <param name="Error">Thrown before any output (or after the first update when <paramref name="FailAfterFirstUpdate"/>).</param>
/// <param name="Latency">Waited (honouring cancellation) before answering.</param>
/// <param name="Usage">Token counts reported with the reply.</param>
/// <param name="FailAfterFirstUpdate">When streaming, throw <paramref name="Error"/> after the first update instead of before.</param>
public sealed record FakeStep(string? Text = null, Exception? Error = null, TimeSpan Latency = default, UsageDetails? Usage = null, bool FailAfterFirstUpdate = false)
{
    public static FakeStep Reply(string text, long? input = null, long? output = null) =>
        new(text, Usage: input is null && output is null ? null : new UsageDetails { InputTokenCount = input, OutputTokenCount = output });

    public static FakeStep Fail(Exception error) => new(Error: error);
}
