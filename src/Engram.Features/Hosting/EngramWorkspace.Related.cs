using Engram.Core.Search;

namespace Engram.Features.Hosting;

public sealed partial class EngramWorkspace
{
    /// <summary>
    /// The engram neighbours of the chunk covering <paramref name="line"/> of <paramref name="path"/>: chunks of other
    /// files (and other chunks of the same file) whose hypervectors and embeddings are nearest, best first, scores in
    /// [0, 1]. Empty when the file is neither indexed nor overlaid. When it has an overlay (<see cref="SetOverlay"/>),
    /// the line is looked up in the text as typed; overlaid files are searched as typed.
    /// </summary>
    /// <param name="path">Full path of an indexed file.</param>
    /// <param name="line">1-based line.</param>
    /// <param name="top">Maximum number of neighbours.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <remarks>Neighbours come from the root that holds the file, ranked by <see cref="EngramSearcher.RelatedAsync(string, int, SearchOptions?, IReadOnlyCollection{Engram.Core.Search.OverlayDocument}, CancellationToken)"/>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="top"/> is less than 1.</exception>
    public async Task<IReadOnlyList<SearchHit>> RelatedAsync(string path, int line, int top = 10, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        if (FindRoot(path) is not { } root || !_roots.TryGetValue(root, out var state) || (state.Searcher ?? TryOpen(state)) is not { } searcher)
        {
            return [];
        }

        var relative = Path.GetRelativePath(root, Path.GetFullPath(path)).Replace('\\', '/');
        return await searcher.RelatedAsync(relative, line, new SearchOptions(Top: top), OverlaysOf(root), cancellationToken).ConfigureAwait(false);
    }
}
