using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engram.Models.Providers.LocalGguf;

/// <summary>Routes llama.cpp's process-wide log callback to the most recently supplied <see cref="ILogger"/>.</summary>
/// <remarks>
/// llama.cpp has one log callback per process, so the latest non-null logger wins. The callback is installed before the
/// native library first loads (through <see cref="NativeLogConfig"/>), so nothing native ever writes to stdout, which
/// belongs to the LSP and MCP protocols. Thread-safe.
/// </remarks>
internal static class NativeLogRouter
{
    private static readonly Lock s_gate = new();
    private static readonly NativeLogConfig.LLamaLogCallback s_callback = Forward;
    private static ILogger s_logger = NullLogger.Instance;
    private static LogLevel s_lastLevel = LogLevel.Debug;
    private static bool s_installed;

    public static void Use(ILogger? logger)
    {
        lock (s_gate)
        {
            if (logger is not null)
            {
                s_logger = logger;
            }

            if (!s_installed)
            {
                NativeLogConfig.llama_log_set(s_callback);
                s_installed = true;
            }
        }
    }

    private static void Forward(LLamaLogLevel level, string message)
    {
        // Continue extends the previous line; llama.cpp's messages end with a newline that the logger adds itself.
        var logLevel = level switch
        {
            LLamaLogLevel.Error => LogLevel.Error,
            LLamaLogLevel.Warning => LogLevel.Warning,
            LLamaLogLevel.Info => LogLevel.Debug,
            LLamaLogLevel.Continue => s_lastLevel,
            _ => LogLevel.Trace,
        };
        s_lastLevel = logLevel;
        var text = message.TrimEnd('\n', '\r');
        var logger = s_logger;
        if (text.Length > 0 && logger.IsEnabled(logLevel))
        {
#pragma warning disable CA1848, CA2254 // The native message is the template; this is not a hot path.
            logger.Log(logLevel, "llama.cpp: {Message}", text);
#pragma warning restore CA1848, CA2254
        }
    }
}
