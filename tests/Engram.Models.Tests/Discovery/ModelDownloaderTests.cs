using System.Security.Cryptography;
using Engram.Models.Discovery;

namespace Engram.Models.Tests.Discovery;

public sealed class ModelDownloaderTests : IDisposable
{
    private static readonly byte[] s_model = File.ReadAllBytes(TestModels.Stories260K);

    private readonly string _folder = Directory.CreateTempSubdirectory("engram-pull-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private string Destination => Path.Combine(_folder, "models", "stories260K.gguf");

    private string Partial => Destination + ModelDownloader.PartialSuffix;

    public void Dispose()
    {
        _http.Dispose();
        _timeout.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Resumes_with_a_range_request_after_the_connection_drops()
    {
        using var server = new LoopbackFileServer(s_model, dropFirstResponseAfter: s_model.Length / 2);
        var downloader = new ModelDownloader(_http);

        await Assert.ThrowsAnyAsync<IOException>(() =>
            downloader.PullAsync(server.Url, Destination, TestModels.Stories260KSha256, null, _timeout.Token));

        Assert.False(File.Exists(Destination));
        var kept = new FileInfo(Partial).Length;
        Assert.InRange(kept, 1, s_model.Length - 1);

        var progress = new RecordingProgress();
        var result = await downloader.PullAsync(server.Url, Destination, TestModels.Stories260KSha256.ToUpperInvariant(), progress, _timeout.Token);

        Assert.Equal([(null, 200), ($"bytes={kept}-", 206)], server.Requests);
        Assert.Equal(new DownloadResult(Destination, s_model.Length, TestModels.Stories260KSha256, Resumed: true), result);
        Assert.Equal(TestModels.Stories260KSha256, Sha256Of(Destination));
        Assert.False(File.Exists(Partial));
        Assert.Equal((s_model.Length, (long?)s_model.Length), (progress.Reports[^1].BytesReceived, progress.Reports[^1].TotalBytes));
        Assert.All(progress.Reports, r => Assert.InRange(r.BytesReceived, kept, s_model.Length));
    }

    [Fact]
    public async Task Restarts_when_the_server_ignores_the_range()
    {
        using var server = new LoopbackFileServer(s_model, ignoreRange: true);
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        File.WriteAllBytes(Partial, new byte[1000]);

        var result = await new ModelDownloader(_http).PullAsync(server.Url, Destination, TestModels.Stories260KSha256, null, _timeout.Token);

        Assert.Equal([("bytes=1000-", 200)], server.Requests);
        Assert.False(result.Resumed);
        Assert.Equal(TestModels.Stories260KSha256, Sha256Of(Destination));
    }

    [Fact]
    public async Task Keeps_a_partial_file_that_is_already_complete()
    {
        using var server = new LoopbackFileServer(s_model);
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        File.WriteAllBytes(Partial, s_model);

        var result = await new ModelDownloader(_http).PullAsync(server.Url, Destination, TestModels.Stories260KSha256, null, _timeout.Token);

        Assert.Equal([($"bytes={s_model.Length}-", 416)], server.Requests);
        Assert.True(result.Resumed);
        Assert.Equal(TestModels.Stories260KSha256, Sha256Of(Destination));
    }

    [Fact]
    public async Task A_checksum_mismatch_deletes_the_download()
    {
        using var server = new LoopbackFileServer(s_model);
        var wrong = new string('0', 64);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            new ModelDownloader(_http).PullAsync(server.Url, Destination, wrong, null, _timeout.Token));

        Assert.Contains($"expected {wrong}, actual {TestModels.Stories260KSha256}", error.Message);
        Assert.False(File.Exists(Destination));
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task Downloads_without_a_checksum_and_replaces_an_existing_file()
    {
        using var server = new LoopbackFileServer(s_model);
        Directory.CreateDirectory(Path.GetDirectoryName(Destination)!);
        File.WriteAllText(Destination, "old");

        var result = await new ModelDownloader(_http).PullAsync(server.Url, Destination, null, null, _timeout.Token);

        Assert.Equal(TestModels.Stories260KSha256, result.Sha256);
        Assert.Equal(TestModels.Stories260KSha256, Sha256Of(Destination));
    }

    [Fact]
    public async Task Rejects_a_malformed_checksum_before_connecting()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            new ModelDownloader(_http).PullAsync(new Uri("http://127.0.0.1:9/x"), Destination, "abc", null, _timeout.Token));
    }

    [Fact]
    public void The_catalogue_has_the_Qwen_coder_models_without_invented_hashes()
    {
        Assert.Equal(
            ["qwen2.5-coder-0.5b-instruct-q4_k_m", "qwen2.5-coder-1.5b-instruct-q4_k_m"],
            ModelCatalogue.Entries.Select(e => e.Name));
        Assert.All(ModelCatalogue.Entries, e =>
        {
            Assert.Equal("https", e.Url.Scheme);
            Assert.EndsWith("/" + e.FileName, e.Url.AbsolutePath);
            Assert.Null(e.Sha256);
            Assert.Equal("Apache-2.0", e.Licence);
        });
        Assert.Same(ModelCatalogue.Entries[1], ModelCatalogue.Find("QWEN2.5-coder-1.5b-instruct-q4_k_m"));
        Assert.Null(ModelCatalogue.Find("nope"));
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
