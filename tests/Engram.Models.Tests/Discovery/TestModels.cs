namespace Engram.Models.Tests.Discovery;

/// <summary>The real test model, tests/data/models/stories260K.gguf, found above the test binaries.</summary>
public static class TestModels
{
    public const string Stories260KSha256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

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

        throw new FileNotFoundException(
            $"tests/data/models/stories260K.gguf was not found in any folder above {AppContext.BaseDirectory} (see tests/data/models/README.md).");
    }
}
