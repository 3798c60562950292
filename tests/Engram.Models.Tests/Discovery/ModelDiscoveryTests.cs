using Engram.Models.Discovery;

namespace Engram.Models.Tests.Discovery;

public sealed class ModelDiscoveryTests : IDisposable
{
    private const string BlobHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string MissingHex = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    private readonly string _root = Directory.CreateTempSubdirectory("engram-discovery-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Finds_models_in_every_cache_and_folder()
    {
        var home = Path.Combine(_root, "home");
        var qwen = Gguf("qwen2", 15);

        // Hugging Face: two snapshots linking one blob are listed once; a second repo without an org.
        var repo = Path.Combine(home, ".cache/huggingface/hub/models--Qwen--Coder-GGUF");
        var blob = Write(Path.Combine(repo, "blobs/abc123"), qwen);
        Directory.CreateDirectory(Path.Combine(repo, "snapshots/rev1"));
        Directory.CreateDirectory(Path.Combine(repo, "snapshots/rev2"));
        File.CreateSymbolicLink(Path.Combine(repo, "snapshots/rev1/coder-q4_k_m.gguf"), blob);
        File.CreateSymbolicLink(Path.Combine(repo, "snapshots/rev2/coder-q4_k_m.gguf"), blob);
        Write(Path.Combine(home, ".cache/huggingface/hub/models--tiny/snapshots/r/sub/tiny.gguf"), Gguf("gpt2", 1));

        // LM Studio, both locations; the real model in one of them.
        Directory.CreateDirectory(Path.Combine(home, ".lmstudio/models/karpathy/stories"));
        File.Copy(TestModels.Stories260K, Path.Combine(home, ".lmstudio/models/karpathy/stories/stories260K.gguf"));
        Write(Path.Combine(home, ".cache/lm-studio/models/pub/repo/m-Q8_0.gguf"), Gguf("phi3", 7));

        // Ollama: a library model, a user model, a manifest whose blob is missing, and a broken manifest.
        var ollama = Path.Combine(home, ".ollama/models");
        Write(Path.Combine(ollama, "blobs/sha256-" + BlobHex), Gguf("qwen2", 2));
        WriteManifest(ollama, "registry.ollama.ai/library/qwen-tiny/latest", BlobHex);
        WriteManifest(ollama, "registry.ollama.ai/someone/other/q4", BlobHex.Replace('0', 'a'));
        Write(Path.Combine(ollama, "blobs/sha256-" + BlobHex.Replace('0', 'a')), Gguf("llama", 0));
        WriteManifest(ollama, "registry.ollama.ai/library/gone/7b", MissingHex);
        Write(Path.Combine(ollama, "manifests/registry.ollama.ai/library/broken/1"), "{ not json"u8.ToArray());

        // A configured folder, searched recursively, with a file that is not GGUF and one already listed.
        var folder = Path.Combine(_root, "models");
        Write(Path.Combine(folder, "deep/er/mine.GGUF"), Gguf("mistral", 18));
        Write(Path.Combine(folder, "notes.gguf"), "not a model"u8.ToArray());

        var found = ModelDiscovery.Find(new DiscoveryOptions
        {
            Folders = [folder, Path.Combine(home, ".lmstudio"), Path.Combine(_root, "missing")],
            HomeDirectory = home,
            GetEnvironmentVariable = _ => null,
        });

        var rows = found.Select(m => (m.Source, m.DisplayName, m.Architecture, m.Quantization, m.Error is null)).ToList();
        Assert.Equal(
            [
                (ModelSource.Folder, "mine", "mistral", "Q6_K", true),
                (ModelSource.Folder, "notes", null, null, false),
                (ModelSource.HuggingFace, "Qwen/Coder-GGUF/coder-q4_k_m.gguf", "qwen2", "Q4_K_M", true),
                (ModelSource.HuggingFace, "tiny/sub/tiny.gguf", "gpt2", "F16", true),
                (ModelSource.LmStudio, "karpathy/stories/stories260K", "llama", GgufHeader.Read(TestModels.Stories260K).Quantization, true),
                (ModelSource.LmStudio, "pub/repo/m-Q8_0", "phi3", "Q8_0", true),
                (ModelSource.Ollama, "broken:1", null, null, false),
                (ModelSource.Ollama, "gone:7b", null, null, false),
                (ModelSource.Ollama, "qwen-tiny:latest", "qwen2", "Q4_0", true),
                (ModelSource.Ollama, "someone/other:q4", "llama", "F32", true),
            ],
            rows);

        var stories = found.Single(m => m.DisplayName == "karpathy/stories/stories260K");
        Assert.Equal(1_185_376, stories.SizeBytes);
        Assert.Equal(qwen.Length, found.Single(m => m.Source == ModelSource.HuggingFace && m.Architecture == "qwen2").SizeBytes);
        Assert.Equal(Path.Combine(ollama, "blobs", "sha256-" + BlobHex), found.Single(m => m.DisplayName == "qwen-tiny:latest").Path);
        Assert.Contains("invalid GGUF at byte offset 0", found.Single(m => m.DisplayName == "notes").Error);
        Assert.Contains("sha256-" + MissingHex, found.Single(m => m.DisplayName == "gone:7b").Error);
        Assert.Contains("unreadable Ollama manifest", found.Single(m => m.DisplayName == "broken:1").Error);
    }

    [Fact]
    public void Honours_HF_HOME_OLLAMA_MODELS_and_IncludeCaches()
    {
        var hfHome = Path.Combine(_root, "hf");
        Write(Path.Combine(hfHome, "hub/models--a--b/snapshots/r/x.gguf"), Gguf("llama", 15));
        var ollama = Path.Combine(_root, "ollama");
        Write(Path.Combine(ollama, "blobs/sha256-" + BlobHex), Gguf("qwen2", 15));
        WriteManifest(ollama, "example.com/ns/model/tag", BlobHex);
        var environment = new Dictionary<string, string> { ["HF_HOME"] = hfHome, ["OLLAMA_MODELS"] = ollama };
        var options = new DiscoveryOptions
        {
            HomeDirectory = Path.Combine(_root, "empty-home"),
            GetEnvironmentVariable = environment.GetValueOrDefault,
        };

        Assert.Equal(
            ["a/b/x.gguf", "example.com/ns/model:tag"],
            ModelDiscovery.Find(options).Select(m => m.DisplayName));
        Assert.Empty(ModelDiscovery.Find(options with { IncludeCaches = false }));
    }

    private static byte[] Gguf(string architecture, uint fileType) =>
        new GgufBuilder().String("general.architecture", architecture).UInt32("general.file_type", fileType).Build();

    private static string Write(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void WriteManifest(string ollama, string name, string hex) =>
        Write(
            Path.Combine(ollama, "manifests", name),
            System.Text.Encoding.UTF8.GetBytes($$"""
                {"schemaVersion":2,"layers":[
                  {"mediaType":"application/vnd.ollama.image.template","digest":"sha256:{{new string('1', 64)}}","size":10},
                  {"mediaType":"application/vnd.ollama.image.model","digest":"sha256:{{hex}}","size":100}]}
                """));
}
