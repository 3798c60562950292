using LibGit2Sharp;

namespace Engram.Benchmarks.Quality;

/// <summary>
/// Makes a built corpus folder a git repository of its own with one commit of all its files.
/// </summary>
/// <remarks>
/// Engram's workspace scanner honours the <c>.gitignore</c> of the repository that contains the workspace root.
/// The default work folder sits inside this repository under the ignored <c>bench/results/</c>, so without a
/// repository of its own a corpus would be entirely ignored by Engram. A committed repository is also what a real
/// workspace looks like to Engram's git-driven indexing. Nothing here touches the enclosing repository.
/// </remarks>
internal static class CorpusRepository
{
    // A fixed author and date make the commit id a function of the corpus content alone.
    private static readonly Signature s_author = new("engram-bench", "engram-bench@localhost", new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// Initialises a repository in <paramref name="corpusDirectory"/> and commits every file, unless it is a
    /// repository with a commit already. Returns the id of the commit at HEAD.
    /// </summary>
    public static string EnsureCommitted(string corpusDirectory)
    {
        if (Repository.IsValid(corpusDirectory))
        {
            using var existing = new Repository(corpusDirectory);
            if (existing.Head.Tip is { } tip && existing.RetrieveStatus(new StatusOptions()).IsDirty is false)
            {
                return tip.Sha;
            }
        }
        else
        {
            Repository.Init(corpusDirectory);
        }

        using var repository = new Repository(corpusDirectory);
        Commands.Stage(repository, "*");
        var commit = repository.Commit("corpus", s_author, s_author, new CommitOptions { AllowEmptyCommit = true });
        return commit.Sha;
    }
}
