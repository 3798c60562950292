namespace Engram.Clients.Tests.Support;

/// <summary>Paths of the repository and of the <c>engram</c> build that the tests drive.</summary>
internal static class RepoPaths
{
    /// <summary>The repository root: the first folder above the test assembly holding <c>LanguageServer.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary><c>engram.dll</c>, copied next to the tests by the project reference.</summary>
    public static string EngramDll => Path.Combine(AppContext.BaseDirectory, "engram.dll");

    /// <summary>The command that starts the language server (no <c>--stdio</c>: clients may add it).</summary>
    public static IReadOnlyList<string> ServerCommand(string indexDir) => ["dotnet", EngramDll, "lsp", "--index-dir", indexDir, "--lexical-only"];

    public static string ExtensionDir => Path.Combine(Root, "extension-vscode");

    public static string ClientsDir => Path.Combine(Root, "clients");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LanguageServer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("LanguageServer.sln was not found above " + AppContext.BaseDirectory);
    }
}
