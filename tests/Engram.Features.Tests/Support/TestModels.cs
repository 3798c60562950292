namespace Engram.Features.Tests.Support;

/// <summary>The real test model, tests/data/models/stories260K.gguf, found above the test binaries.</summary>
public static class TestModels
{
    public static string Stories260K { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "data", "models", "stories260K.gguf");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"tests/data/models/stories260K.gguf was not found in any folder above {AppContext.BaseDirectory}.");
    }
}
