using Engram.Features.Hosting;
using Engram.Features.Tests.Support;
using Microsoft.Extensions.AI;

namespace Engram.Features.Tests.Hosting;

/// <summary>Unsaved-document overlays over a real index of a real temp git repository.</summary>
public sealed class OverlayTests
{
    private const string Billing = """
        namespace Shop;

        public static class Billing
        {
            /// <summary>Rounds an amount the legacy way.</summary>
            public static decimal LegacyZanzibarRounding(decimal amount)
            {
                return decimal.Round(amount, 2, MidpointRounding.AwayFromZero);
            }

            public static decimal Total(decimal[] lines)
            {
                var sum = 0m;
                foreach (var line in lines)
                {
                    sum += line;
                }

                return sum;
            }
        }
        """;

    private const string Shipping = """
        namespace Shop;

        public static class Shipping
        {
            /// <summary>Shipping cost of a parcel by weight in kilograms.</summary>
            public static decimal ParcelCost(decimal kilograms)
            {
                return kilograms * 4.5m + 2m;
            }
        }
        """;

    private static readonly Dictionary<string, string> Files = new()
    {
        ["src/Billing.cs"] = Billing,
        ["src/Shipping.cs"] = Shipping,
        [".gitignore"] = "secret/\n",
    };

    private static string WithFunction(string text, string function) =>
        text[..text.LastIndexOf('}')] + "\n" + function + "\n}\n";

    private const string Frobnicate = """
            /// <summary>Totals an invoice after frobnication.</summary>
            public static decimal ComputeFrobnicatedInvoiceTotal(decimal[] lines, decimal frobnication)
            {
                return Total(lines) * frobnication;
            }
        """;

    [Fact]
    public async Task AnUnsavedNewFunctionIsFoundBySearch()
    {
        await using var ws = await IndexedWorkspace.CreateAsync(Files);
        var path = ws.Repo.PathOf("src/Billing.cs");
        Assert.DoesNotContain(await ws.Workspace.SearchAsync("ComputeFrobnicatedInvoiceTotal"), h => h.Snippet.Contains("ComputeFrobnicatedInvoiceTotal", StringComparison.Ordinal));

        var version = ws.Workspace.SetOverlay(path, WithFunction(Billing, Frobnicate));
        Assert.True(version > 0);
        await ws.Workspace.WaitForOverlaysAsync();

        var hits = await ws.Workspace.SearchAsync("ComputeFrobnicatedInvoiceTotal");
        var top = hits[0];
        Assert.Equal("src/Billing.cs", top.Path);
        Assert.Equal("ComputeFrobnicatedInvoiceTotal", top.Symbol);
        Assert.False(top.Stale);
        Assert.Contains("return Total(lines) * frobnication;", top.Snippet, StringComparison.Ordinal);
        Assert.Equal(ws.Repo.Root, top.Root);
        Assert.InRange(top.Score, 0.0, 1.0);
        // The file on disk never changed.
        Assert.DoesNotContain("Frobnicated", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheIndexedVersionOfAnOverlaidFileIsHiddenAndRemovingTheOverlayRestoresIt()
    {
        await using var ws = await IndexedWorkspace.CreateAsync(Files);
        var path = ws.Repo.PathOf("src/Billing.cs");
        Assert.Contains(await ws.Workspace.SearchAsync("LegacyZanzibarRounding"), h => h.Path == "src/Billing.cs" && h.Symbol == "LegacyZanzibarRounding");

        // The buffer renamed the method: the indexed name must no longer be found in that file.
        ws.Workspace.SetOverlay(path, Billing.Replace("LegacyZanzibarRounding", "ModernBankersRounding", StringComparison.Ordinal));
        await ws.Workspace.WaitForOverlaysAsync();
        Assert.True(ws.Workspace.HasOverlay(path));
        var hits = await ws.Workspace.SearchAsync("LegacyZanzibarRounding");
        Assert.DoesNotContain(hits, h => h.Symbol == "LegacyZanzibarRounding");
        Assert.All(hits.Where(h => h.Path == "src/Billing.cs"), h => Assert.False(h.Stale));
        Assert.Equal("ModernBankersRounding", (await ws.Workspace.SearchAsync("ModernBankersRounding"))[0].Symbol);

        // Other files are still searched from the index.
        Assert.Contains(await ws.Workspace.SearchAsync("ParcelCost kilograms"), h => h.Path == "src/Shipping.cs");

        Assert.True(ws.Workspace.RemoveOverlay(path));
        Assert.False(ws.Workspace.RemoveOverlay(path));
        Assert.Contains(await ws.Workspace.SearchAsync("LegacyZanzibarRounding"), h => h.Symbol == "LegacyZanzibarRounding");
        Assert.DoesNotContain(await ws.Workspace.SearchAsync("ModernBankersRounding"), h => h.Symbol == "ModernBankersRounding");
    }

    [Fact]
    public async Task OverlaysOutsideEveryRootUnderGitOrIgnoredByGitAreIgnored()
    {
        await using var ws = await IndexedWorkspace.CreateAsync(Files);
        var outside = Path.Combine(Path.GetTempPath(), "engram-overlay-outside-" + Guid.NewGuid().ToString("N")[..8], "Outside.cs");
        Assert.Equal(0, ws.Workspace.SetOverlay(outside, "class OutsideQuokkaWidget { }"));
        Assert.Equal(0, ws.Workspace.SetOverlay(ws.Repo.PathOf(".git/config"), "class GitQuokkaWidget { }"));
        Assert.Equal(0, ws.Workspace.SetOverlay(ws.Repo.Root, "class RootQuokkaWidget { }"));
        Assert.True(ws.Workspace.SetOverlay(ws.Repo.PathOf("secret/Keys.cs"), "class SecretQuokkaWidget { }") > 0);
        await ws.Workspace.WaitForOverlaysAsync();

        Assert.False(ws.Workspace.HasOverlay(outside));
        Assert.False(ws.Workspace.HasOverlay(ws.Repo.PathOf("secret/Keys.cs")));
        var hits = await ws.Workspace.SearchAsync("QuokkaWidget OutsideQuokkaWidget GitQuokkaWidget RootQuokkaWidget SecretQuokkaWidget");
        Assert.DoesNotContain(hits, h => h.Snippet.Contains("QuokkaWidget", StringComparison.Ordinal));
        Assert.Equal(0, ws.Workspace.SetOverlay(ws.Repo.PathOf("secret/Keys.cs"), "class SecretQuokkaWidget2 { }"));
    }

    [Fact]
    public async Task AnUnsavedNewFileIsSearchableAndRelatedWorksOnOverlayLines()
    {
        await using var ws = await IndexedWorkspace.CreateAsync(Files);
        var path = ws.Repo.PathOf("src/Invoices.cs");
        var text = "namespace Shop;\n\npublic static class Invoices\n{\n" + Frobnicate + "\n}\n";
        ws.Workspace.SetOverlay(path, text);
        await ws.Workspace.WaitForOverlaysAsync();

        var top = (await ws.Workspace.SearchAsync("frobnicated invoice total"))[0];
        Assert.Equal("src/Invoices.cs", top.Path);
        Assert.Null(top.IndexedCommit);

        var line = text.Split('\n').ToList().FindIndex(l => l.Contains("return Total", StringComparison.Ordinal)) + 1;
        var related = await ws.Workspace.RelatedAsync(path, line, top: 5);
        Assert.NotEmpty(related);
        Assert.DoesNotContain(related, h => h.Path == "src/Invoices.cs" && h.StartLine <= line && h.EndLine >= line);
        Assert.Contains(related, h => h.Path == "src/Billing.cs" && h.Symbol == "Total");
    }

    [Fact]
    public async Task WithEmbeddingsAnOverlayOfTheSavedTextRanksExactlyAsTheIndexAndEmbedsOnlyNewChunks()
    {
        var embedder = new CountingEmbedder();
        await using var ws = await IndexedWorkspace.CreateAsync(Files, embedder);
        var path = ws.Repo.PathOf("src/Billing.cs");
        const string query = "round an amount of money";
        var indexed = await ws.Workspace.SearchAsync(query);

        embedder.Texts = 0;
        ws.Workspace.SetOverlay(path, Billing);
        await ws.Workspace.WaitForOverlaysAsync();
        // Every chunk's embedding came from the store.
        Assert.Equal(0, embedder.Texts);
        var overlaid = await ws.Workspace.SearchAsync(query);
        embedder.Texts = 0;

        Assert.Equal(indexed.Select(h => (h.Path, h.StartLine, h.EndLine)), overlaid.Select(h => (h.Path, h.StartLine, h.EndLine)));
        for (var i = 0; i < indexed.Count; i++)
        {
            Assert.Equal(indexed[i].Score, overlaid[i].Score, 9);
            Assert.Equal(indexed[i].Dense, overlaid[i].Dense, 6);
            Assert.Equal(indexed[i].Lexical, overlaid[i].Lexical, 9);
        }

        // One new function: only its chunk is embedded; the dense score sees it.
        ws.Workspace.SetOverlay(path, WithFunction(Billing, Frobnicate));
        await ws.Workspace.WaitForOverlaysAsync();
        Assert.Equal(1, embedder.Texts);
        var top = (await ws.Workspace.SearchAsync("invoice total after frobnication"))[0];
        Assert.Equal("ComputeFrobnicatedInvoiceTotal", top.Symbol);
        Assert.True(top.Dense > 0.3, $"dense {top.Dense}");
    }

    [Fact]
    public async Task SettingOverlaysWhileSearchingIsSafeAndTheLastTextWins()
    {
        await using var ws = await IndexedWorkspace.CreateAsync(Files);
        var path = ws.Repo.PathOf("src/Billing.cs");
        using var stop = new CancellationTokenSource();
        var searches = Enumerable.Range(0, 3).Select(n => Task.Run(async () =>
        {
            var count = 0;
            while (!stop.IsCancellationRequested)
            {
                var hits = await ws.Workspace.SearchAsync("Total lines sum");
                Assert.NotEmpty(hits);
                _ = await ws.Workspace.RelatedAsync(path, 12, top: 3);
                count++;
            }

            return count;
        })).ToList();

        var edits = Task.Run(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                ws.Workspace.SetOverlay(path, WithFunction(Billing, $"    public static int Typed{i}() => {i};"));
                if (i % 10 == 0)
                {
                    ws.Workspace.RemoveOverlay(path);
                }

                if (i % 7 == 0)
                {
                    await Task.Delay(1);
                }
            }
        });
        await edits;
        ws.Workspace.SetOverlay(path, WithFunction(Billing, "    public static int FinalTypedPelican() => 1;"));
        await ws.Workspace.WaitForOverlaysAsync();
        await stop.CancelAsync();
        foreach (var search in searches)
        {
            Assert.True(await search > 0);
        }

        var hits = await ws.Workspace.SearchAsync("FinalTypedPelican");
        Assert.Equal("FinalTypedPelican", hits[0].Symbol);
        Assert.DoesNotContain(hits, h => h.Symbol is { } s && s.StartsWith("Typed", StringComparison.Ordinal));
    }

    /// <summary><see cref="HashingEmbedder"/> counting the texts it embeds.</summary>
    private sealed class CountingEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly HashingEmbedder _inner = new();
        private int _texts;

        public int Texts
        {
            get => Volatile.Read(ref _texts);
            set => Volatile.Write(ref _texts, value);
        }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            Interlocked.Add(ref _texts, list.Count);
            return _inner.GenerateAsync(list, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => _inner.GetService(serviceType, serviceKey) is HashingEmbedder ? this : _inner.GetService(serviceType, serviceKey);

        public void Dispose()
        {
        }
    }
}
