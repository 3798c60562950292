namespace Engram.Models.Configuration;

/// <summary>
/// An <c>engram.json</c> file is not valid. The message reads
/// <c>FILE:LINE:COLUMN: JSONPATH: PROBLEM</c>, e.g.
/// <c>/home/u/.config/engram/engram.json:7:24: $.models[2].capabilities[0]: expected one of completion, fim, chat, reasoning, code, review, embedding; found "vision"</c>.
/// </summary>
/// <remarks>Lines and columns are 1-based; columns count UTF-8 bytes. Messages never echo an <c>apiKeyEnv</c> value.</remarks>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the exception; <paramref name="column"/> is null when unknown.</summary>
    public ConfigException(string filePath, int line, int? column, string jsonPath, string problem, Exception? innerException = null)
        : base(Format(filePath, line, column, jsonPath, problem), innerException)
    {
        FilePath = filePath;
        Line = line;
        Column = column;
        JsonPath = jsonPath;
        Problem = problem;
    }

    /// <summary>The file that failed to load.</summary>
    public string FilePath { get; }

    /// <summary>1-based line of the offending value.</summary>
    public int Line { get; }

    /// <summary>1-based byte column of the offending value, or null.</summary>
    public int? Column { get; }

    /// <summary>JSON path of the offending field, e.g. <c>$.models[2].capabilities[0]</c>.</summary>
    public string JsonPath { get; }

    /// <summary>What was expected and what was found.</summary>
    public string Problem { get; }

    private static string Format(string filePath, int line, int? column, string jsonPath, string problem) =>
        column is { } c ? $"{filePath}:{line}:{c}: {jsonPath}: {problem}" : $"{filePath}:{line}: {jsonPath}: {problem}";
}
