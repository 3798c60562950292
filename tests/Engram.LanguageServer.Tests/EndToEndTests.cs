using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Engram.LanguageServer.Tests.Support;

namespace Engram.LanguageServer.Tests;

/// <summary>The real <c>engram lsp</c> process driven by real third-party clients and by raw bytes.</summary>
public sealed class EndToEndTests
{
    [Fact]
    public async Task TheNodeLanguageClientCompletesReviewsFixesAndExitsCleanly()
    {
        var folder = Paths.E2eFolder;
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            var install = await ProcessRunner.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], folder, null, TimeSpan.FromMinutes(4));
            Assert.True(install.ExitCode == 0, "npm ci failed: " + install.StandardError);
        }

        var result = await ProcessRunner.RunAsync("node", ["e2e.js", Paths.EngramDll, Paths.Stories260K], folder, null, TimeSpan.FromMinutes(3));
        var line = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        Assert.True(result.ExitCode == 0, $"e2e.js failed ({result.ExitCode}): {line}\n{result.StandardError}");
        var report = JsonDocument.Parse(line).RootElement;
        Assert.True(report.GetProperty("ok").GetBoolean());
        Assert.Equal(
            ["initialize", "indexed", "completion", "inlineCompletion", "reviewDiagnostics", "codeActionEdit", "usage", "shutdownExit", "wireDiscipline"],
            report.GetProperty("checks").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task HeadlessNeovimGetsCompletions()
    {
        using var folder = new TempFolder(new Dictionary<string, string>
        {
            ["src/Orders.cs"] = "public class Orders\n{\n    public void PlaceOrder(Order order) => repository.SaveOrder(order);\n}\n",
        });
        var environment = new Dictionary<string, string>
        {
            ["ENGRAM_DLL"] = Paths.EngramDll,
            ["ENGRAM_ROOT"] = folder.Root,
            ["ENGRAM_INDEX"] = folder.IndexDirectory,
            ["XDG_CONFIG_HOME"] = Path.Combine(folder.IndexDirectory, "config"),
            ["XDG_DATA_HOME"] = Path.Combine(folder.IndexDirectory, "data"),
            ["XDG_STATE_HOME"] = Path.Combine(folder.IndexDirectory, "state"),
        };
        var script = Path.Combine(Paths.E2eFolder, "nvim-completion.lua");
        var result = await ProcessRunner.RunAsync("nvim", ["--headless", "-u", "NONE", "-c", "luafile " + script], folder.Root, environment, TimeSpan.FromMinutes(2));
        var line = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        Assert.True(result.ExitCode == 0, $"nvim exited {result.ExitCode}: {line}\n{result.StandardError}");
        var report = JsonDocument.Parse(line).RootElement;
        Assert.True(report.GetProperty("ok").GetBoolean());
        Assert.Equal("SaveOrder", report.GetProperty("detail").GetProperty("label").GetString());
    }

    [Fact]
    public async Task TheRealProcessAnswersHostileBytesAndWritesOnlyFramesToStdout()
    {
        using var folder = new TempFolder(new Dictionary<string, string> { ["a.txt"] = "hello\n" });
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Paths.EngramDll, "lsp", "--lexical-only", "--index-dir", folder.IndexDirectory })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(folder.IndexDirectory, "config");
        info.Environment["XDG_DATA_HOME"] = Path.Combine(folder.IndexDirectory, "data");
        using var process = Process.Start(info)!;
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdin = process.StandardInput.BaseStream;
            async Task Send(string text) => await stdin.WriteAsync(Encoding.UTF8.GetBytes(text));
            string Frame(string json) => $"Content-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}";

            await Send(Frame("""{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{}}"""));
            await Send(Frame($$$$"""{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"rootUri":"{{{{folder.Uri}}}}","capabilities":{}}}"""));
            await Send("Content-Length: nope\r\n\r\n");
            await Send(Frame("{\"jsonrpc\":\"2.0\",\"id\":3,"));
            await Send(Frame("""{"jsonrpc":"2.0","id":4,"method":"engram/unknown","params":{}}"""));
            await Send(Frame($$$$"""{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"{{{{folder.FileUri("u.txt")}}}}","languageId":"plaintext","version":1,"text":"😀 日本 alpha\n"}}}"""));
            await Send(Frame($$$$"""{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"{{{{folder.FileUri("u.txt")}}}}","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":2},"end":{"line":0,"character":6}},"text":" ✓"}]}}"""));
            await Send(Frame($$$$"""{"jsonrpc":"2.0","id":5,"method":"textDocument/hover","params":{"textDocument":{"uri":"{{{{folder.FileUri("u.txt")}}}}"},"position":{"line":0,"character":5}}}"""));
            await Send(Frame("""{"jsonrpc":"2.0","id":6,"method":"shutdown"}"""));
            await Send(Frame("""{"jsonrpc":"2.0","method":"exit"}"""));
            await stdin.FlushAsync();

            var output = new MemoryStream();
            await process.StandardOutput.BaseStream.CopyToAsync(output).WaitAsync(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(process.ExitCode == 0, "exit code " + process.ExitCode + ": " + await stderr);

            var frames = ParseFrames(output.ToArray());
            int? Code(string id) => frames.FirstOrDefault(f => f.TryGetProperty("id", out var i) && i.GetRawText() == id && !f.TryGetProperty("method", out _)) is { ValueKind: JsonValueKind.Object } f
                && f.TryGetProperty("error", out var e) ? e.GetProperty("code").GetInt32() : null;
            Assert.Equal(-32002, Code("1"));
            Assert.Null(Code("2"));
            Assert.Equal(-32601, Code("4"));
            Assert.Null(Code("5"));
            Assert.Null(Code("6"));
            var nullErrors = frames.Where(f => f.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Null).Select(f => f.GetProperty("error").GetProperty("code").GetInt32()).ToList();
            Assert.Equal([-32700, -32700], nullErrors);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Splits stdout into frames; fails on any byte outside a <c>Content-Length</c> frame.</summary>
    private static List<JsonElement> ParseFrames(byte[] bytes)
    {
        var frames = new List<JsonElement>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var end = bytes.AsSpan(offset).IndexOf("\r\n\r\n"u8);
            Assert.True(end > 0, "bytes outside a frame at " + offset + ": " + Encoding.UTF8.GetString(bytes.AsSpan(offset, Math.Min(60, bytes.Length - offset))));
            var header = Encoding.ASCII.GetString(bytes, offset, end);
            Assert.Matches("^Content-Length: \\d+$", header);
            var length = int.Parse(header["Content-Length: ".Length..]);
            var body = bytes.AsSpan(offset + end + 4, length);
            frames.Add(JsonDocument.Parse(body.ToArray()).RootElement.Clone());
            offset += end + 4 + length;
        }

        return frames;
    }
}
