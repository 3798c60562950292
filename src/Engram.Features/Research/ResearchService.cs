using Engram.Features.Hosting;
using Microsoft.Extensions.AI;

namespace Engram.Features.Research;

/// <summary>A verified citation of workspace code.</summary>
/// <param name="Path">Workspace-relative path, forward slashes.</param>
/// <param name="StartLine">1-based inclusive.</param>
/// <param name="EndLine">1-based inclusive.</param>
/// <param name="Root">Full path of the root the file belongs to.</param>
public sealed record Citation(string Path, int StartLine, int EndLine, string Root);

/// <summary>One step of a research run.</summary>
/// <param name="Kind"><c>plan</c>, <c>retrieve</c>, <c>read</c>, <c>synthesize</c>, <c>verify</c> or <c>retry</c>.</param>
/// <param name="Detail">What was done (the sub-question, the query, the files read, the citations dropped).</param>
/// <param name="Elapsed">Wall time of the step.</param>
public sealed record ResearchStep(string Kind, string Detail, TimeSpan Elapsed);

/// <summary>The answer of a research run.</summary>
/// <param name="Answer">Markdown in which every claim cites <c>path:start-end</c>.</param>
/// <param name="Citations">The citations the answer uses, each verified against the files (in range, file exists).</param>
/// <param name="Steps">The steps taken, in order.</param>
/// <param name="Extractive">True when no generation model was available and the answer is ranked passages with citations.</param>
/// <param name="ModelCalls">Number of model calls made.</param>
/// <param name="InputTokens">Input tokens reported by the models (0 when unknown).</param>
/// <param name="OutputTokens">Output tokens reported by the models (0 when unknown).</param>
/// <param name="Models">Names of the models that answered.</param>
public sealed record ResearchResult(
    string Answer,
    IReadOnlyList<Citation> Citations,
    IReadOnlyList<ResearchStep> Steps,
    bool Extractive,
    int ModelCalls,
    long InputTokens,
    long OutputTokens,
    IReadOnlyList<string> Models);

/// <summary>
/// Multi-step answers over the workspace: plan sub-questions, retrieve engram chunks for each, read them, synthesize an
/// answer citing <c>path:start-end</c>, and verify every citation against the files (invalid ones are dropped or the
/// synthesis retried once).
/// </summary>
public sealed class ResearchService
{
    /// <summary>Creates the service over <paramref name="workspace"/>.</summary>
    public ResearchService(EngramWorkspace workspace) => throw new NotImplementedException();

    /// <summary>Researches <paramref name="question"/>.</summary>
    /// <param name="question">The question, non-empty.</param>
    /// <param name="depth">Number of sub-questions to plan, 1–5.</param>
    /// <param name="client">The routed chat client for research, or null for an extractive answer.</param>
    /// <param name="progress">Receives a line per step as it starts, or null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <exception cref="ArgumentException">Empty question or depth out of range.</exception>
    public Task<ResearchResult> ResearchAsync(string question, int depth, IChatClient? client, IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
