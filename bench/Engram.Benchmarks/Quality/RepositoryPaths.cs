namespace Engram.Benchmarks.Quality;

/// <summary>Locates the repository root so that default folders do not depend on the current directory.</summary>
internal static class RepositoryPaths
{
    /// <summary>
    /// Returns the nearest folder, from the current directory upwards, that holds <c>LanguageServer.sln</c>; falls
    /// back to the current directory when there is none.
    /// </summary>
    public static string FindRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LanguageServer.sln")))
            {
                return dir.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }
}
