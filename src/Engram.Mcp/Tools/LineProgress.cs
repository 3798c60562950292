namespace Engram.Mcp.Tools;

/// <summary>An <see cref="IProgress{T}"/> that reports synchronously, in order (unlike <see cref="Progress{T}"/>, which posts).</summary>
internal sealed class LineProgress(Action<string> report) : IProgress<string>
{
    public void Report(string value) => report(value);
}
