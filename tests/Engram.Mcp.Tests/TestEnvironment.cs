using System.Runtime.CompilerServices;

namespace Engram.Mcp.Tests;

/// <summary>Keeps every default XDG location of this test process in a temp folder (never the user's cache or data).</summary>
internal static class TestEnvironment
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        var home = Path.Combine(Path.GetTempPath(), "engram-mcp-tests-xdg", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(home, "cache"));
        Environment.SetEnvironmentVariable("XDG_DATA_HOME", Path.Combine(home, "data"));
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", Path.Combine(home, "config"));
    }
}
