namespace Engram.LanguageServer.Tests.Support;

/// <summary>Files the end-to-end tests need, found by walking up from the test assembly.</summary>
public static class Paths
{
    /// <summary>The real <c>engram</c> executable, built next to the tests through the Engram.Cli project reference.</summary>
    public static string EngramDll => Path.Combine(AppContext.BaseDirectory, "engram.dll");

    public static string RepositoryRoot => Up(d => File.Exists(Path.Combine(d, "LanguageServer.sln")), "LanguageServer.sln");

    public static string E2eFolder => Path.Combine(RepositoryRoot, "tests", "e2e", "lsp");

    /// <summary>tests/data/models/stories260K.gguf (the tiny real llama model).</summary>
    public static string Stories260K => Path.Combine(Up(d => File.Exists(Path.Combine(d, "tests", "data", "models", "stories260K.gguf")), "tests/data/models/stories260K.gguf"), "tests", "data", "models", "stories260K.gguf");

    private static string Up(Func<string, bool> found, string what)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (found(directory.FullName))
            {
                return directory.FullName;
            }
        }

        throw new FileNotFoundException($"{what} was not found in any folder above {AppContext.BaseDirectory}.");
    }
}
