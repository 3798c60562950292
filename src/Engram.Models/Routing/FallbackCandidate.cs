using Microsoft.Extensions.AI;

namespace Engram.Models.Routing;

/// <summary>A model a <see cref="FallbackChatClient"/> may try: its configured name and its client.</summary>
/// <param name="ModelId">The configured model name, reported in responses as the model that answered.</param>
/// <param name="Client">The client (possibly already decorated, e.g. with a budget).</param>
public sealed record FallbackCandidate(string ModelId, IChatClient Client);
