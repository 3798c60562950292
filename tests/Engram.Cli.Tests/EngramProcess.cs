using System.Diagnostics;

namespace Engram.Cli.Tests;

/// <summary>Runs the real <c>engram</c> executable (built next to the tests) as a child process.</summary>
internal static class EngramProcess
{
    public static string EntryAssembly => Path.Combine(AppContext.BaseDirectory, "engram.dll");

    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(EntryAssembly);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    public static Task<Result> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Runs any program to its end (stdin closed at once) within <paramref name="timeout"/>.</summary>
    public static async Task<Result> RunProgramAsync(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {timeout}: {await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = StartInfo(args);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
