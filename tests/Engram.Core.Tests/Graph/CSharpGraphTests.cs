using Engram.Core.Graph;
using Engram.Core.Indexing;
using Engram.Core.Storage;
using Engram.Core.Tests.Support;
using Engram.Tests.Support;

namespace Engram.Core.Tests.Graph;

/// <summary>The C# code graph (issue 13): symbols and edges bound by Roslyn across two projects, and incremental
/// updates equal to a clean rebuild.</summary>
public sealed class CSharpGraphTests
{
    private static readonly (string Path, string Text)[] s_fixture =
    [
        ("src/Core/Core.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><ImplicitUsings>enable</ImplicitUsings></PropertyGroup></Project>"),
        ("src/Core/IPricer.cs", """
            namespace Shop.Billing;

            /// <summary>Prices an invoice.</summary>
            public interface IPricer
            {
                decimal Price(Invoice invoice);
            }
            """),
        ("src/Core/Invoice.cs", """
            namespace Shop.Billing;

            public record Invoice(decimal Amount);

            public partial class InvoiceCalculator : IPricer
            {
                public decimal Price(Invoice invoice) => AddTax(invoice.Amount);

                public virtual decimal AddTax(decimal amount) => amount * 1.2m;

                public decimal AddTax(decimal amount, decimal rate) => amount * rate;
            }
            """),
        ("src/Core/InvoiceCalculator.Part2.cs", """
            namespace Shop.Billing;

            public partial class InvoiceCalculator
            {
                public Box<Invoice> Wrap(Invoice invoice) => new Box<Invoice>(invoice);
            }

            public sealed class Box<T>(T value)
            {
                public T Value { get; } = value;
            }

            public static class InvoiceExtensions
            {
                public static decimal Total(this Invoice invoice) => new InvoiceCalculator().AddTax(invoice.Amount);
            }
            """),
        ("src/App/App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><ItemGroup><ProjectReference Include=\"..\\Core\\Core.csproj\" /><PackageReference Include=\"Newtonsoft.Json\" Version=\"13.0.3\" /></ItemGroup></Project>"),
        ("src/App/DiscountCalculator.cs", """
            using Shop.Billing;

            namespace Shop.App;

            public class DiscountCalculator : InvoiceCalculator
            {
                public override decimal AddTax(decimal amount) => base.AddTax(amount) - 1;

                public string Json(Invoice invoice) => Newtonsoft.Json.JsonConvert.SerializeObject(invoice.Total());
            }
            """),
        ("scripts/Loose.cs", """
            public static class Loose
            {
                public static decimal Run() => Shop.Billing.InvoiceExtensions.Total(new Shop.Billing.Invoice(2));
            }
            """),
    ];

    [Fact]
    public async Task Symbols_of_the_fixture_are_bound_with_keys_name_paths_kinds_and_lines()
    {
        using var repo = Fixture();
        using var store = await IndexAsync(repo);
        var actual = store.SymbolsUnder(null).Select(s => $"{s.Path}:{s.StartLine}-{s.EndLine}@{s.SelectionLine} {s.Kind} {s.NamePath} {s.Key} parent={s.Parent ?? "-"} doc={s.Doc ?? "-"}");
        string[] expected =
        [
            "scripts/Loose.cs:1-4@1 Class Loose T:Loose parent=- doc=-",
            "scripts/Loose.cs:3-3@3 Method Loose/Run M:Loose.Run parent=T:Loose doc=-",
            "src/App/DiscountCalculator.cs:5-10@5 Class DiscountCalculator T:Shop.App.DiscountCalculator parent=- doc=-",
            "src/App/DiscountCalculator.cs:7-7@7 Method DiscountCalculator/AddTax M:Shop.App.DiscountCalculator.AddTax(System.Decimal) parent=T:Shop.App.DiscountCalculator doc=-",
            "src/App/DiscountCalculator.cs:9-9@9 Method DiscountCalculator/Json M:Shop.App.DiscountCalculator.Json(Shop.Billing.Invoice) parent=T:Shop.App.DiscountCalculator doc=-",
            "src/Core/IPricer.cs:4-7@4 Interface IPricer T:Shop.Billing.IPricer parent=- doc=Prices an invoice.",
            "src/Core/IPricer.cs:6-6@6 Method IPricer/Price M:Shop.Billing.IPricer.Price(Shop.Billing.Invoice) parent=T:Shop.Billing.IPricer doc=-",
            "src/Core/Invoice.cs:3-3@3 Class Invoice T:Shop.Billing.Invoice parent=- doc=-",
            "src/Core/Invoice.cs:5-12@5 Class InvoiceCalculator T:Shop.Billing.InvoiceCalculator parent=- doc=-",
            "src/Core/Invoice.cs:7-7@7 Method InvoiceCalculator/Price M:Shop.Billing.InvoiceCalculator.Price(Shop.Billing.Invoice) parent=T:Shop.Billing.InvoiceCalculator doc=-",
            "src/Core/Invoice.cs:9-9@9 Method InvoiceCalculator/AddTax[0] M:Shop.Billing.InvoiceCalculator.AddTax(System.Decimal) parent=T:Shop.Billing.InvoiceCalculator doc=-",
            "src/Core/Invoice.cs:11-11@11 Method InvoiceCalculator/AddTax[1] M:Shop.Billing.InvoiceCalculator.AddTax(System.Decimal,System.Decimal) parent=T:Shop.Billing.InvoiceCalculator doc=-",
            "src/Core/InvoiceCalculator.Part2.cs:3-6@3 Class InvoiceCalculator T:Shop.Billing.InvoiceCalculator parent=- doc=-",
            "src/Core/InvoiceCalculator.Part2.cs:5-5@5 Method InvoiceCalculator/Wrap M:Shop.Billing.InvoiceCalculator.Wrap(Shop.Billing.Invoice) parent=T:Shop.Billing.InvoiceCalculator doc=-",
            "src/Core/InvoiceCalculator.Part2.cs:8-11@8 Class Box T:Shop.Billing.Box`1 parent=- doc=-",
            "src/Core/InvoiceCalculator.Part2.cs:10-10@10 Property Box/Value P:Shop.Billing.Box`1.Value parent=T:Shop.Billing.Box`1 doc=-",
            "src/Core/InvoiceCalculator.Part2.cs:13-16@13 Class InvoiceExtensions T:Shop.Billing.InvoiceExtensions parent=- doc=-",
            "src/Core/InvoiceCalculator.Part2.cs:15-15@15 Method InvoiceExtensions/Total M:Shop.Billing.InvoiceExtensions.Total(Shop.Billing.Invoice) parent=T:Shop.Billing.InvoiceExtensions doc=-",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal).ToArray(), actual.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Edges_cross_projects_with_kinds_and_unresolved_package_names()
    {
        using var repo = Fixture();
        using var store = await IndexAsync(repo);
        string Edges(string key) => string.Join(" | ", store.EdgesTo(key).Select(e => $"{e.Path}:{e.Line}:{e.Column} {e.Kind} from={e.FromKey}"));

        Assert.Equal(
            "src/App/DiscountCalculator.cs:7:29 overrides from=M:Shop.App.DiscountCalculator.AddTax(System.Decimal) | " +
            "src/App/DiscountCalculator.cs:7:60 call from=M:Shop.App.DiscountCalculator.AddTax(System.Decimal) | " +
            "src/Core/Invoice.cs:7:46 call from=M:Shop.Billing.InvoiceCalculator.Price(Shop.Billing.Invoice) | " +
            "src/Core/InvoiceCalculator.Part2.cs:15:82 call from=M:Shop.Billing.InvoiceExtensions.Total(Shop.Billing.Invoice)",
            Edges("M:Shop.Billing.InvoiceCalculator.AddTax(System.Decimal)"));
        Assert.Equal(
            "scripts/Loose.cs:3:67 call from=M:Loose.Run | " +
            "src/App/DiscountCalculator.cs:9:96 call from=M:Shop.App.DiscountCalculator.Json(Shop.Billing.Invoice)",
            Edges("M:Shop.Billing.InvoiceExtensions.Total(Shop.Billing.Invoice)"));
        Assert.Equal("src/Core/Invoice.cs:7:20 implements from=M:Shop.Billing.InvoiceCalculator.Price(Shop.Billing.Invoice)", Edges("M:Shop.Billing.IPricer.Price(Shop.Billing.Invoice)"));
        Assert.Contains("src/Core/Invoice.cs:5:42 implements from=T:Shop.Billing.InvoiceCalculator", Edges("T:Shop.Billing.IPricer"), StringComparison.Ordinal);
        Assert.Contains("src/App/DiscountCalculator.cs:5:35 inherits", Edges("T:Shop.Billing.InvoiceCalculator"), StringComparison.Ordinal);
        Assert.Contains("src/Core/IPricer.cs:6:19 type-of", Edges("T:Shop.Billing.Invoice"), StringComparison.Ordinal);
        Assert.Contains("src/App/DiscountCalculator.cs:1:12 import", Edges("N:Shop.Billing"), StringComparison.Ordinal);
        var unresolved = Assert.Single(store.EdgesTo("?:Newtonsoft"));
        Assert.False(unresolved.Resolved);
        Assert.All(store.EdgesTo("M:Shop.Billing.InvoiceExtensions.Total(Shop.Billing.Invoice)"), e => Assert.True(e.Resolved));
    }

    [Fact]
    public async Task Incremental_graph_equals_a_clean_rebuild_after_edit_rename_and_delete()
    {
        using var repo = Fixture();
        repo.Commit("fixture");
        (await IndexAsync(repo)).Dispose();

        // A body edit, a new overload-shifting declaration, a move and a delete.
        repo.Write("src/Core/Invoice.cs", File.ReadAllText(Path.Combine(repo.Root, "src/Core/Invoice.cs")).Replace("amount * 1.2m", "amount * 1.25m", StringComparison.Ordinal)
            .Replace("public virtual decimal AddTax", "public decimal AddTax(int cents) => cents;\n\n    public virtual decimal AddTax", StringComparison.Ordinal));
        repo.Move("src/Core/IPricer.cs", "src/Core/Pricing/IPricer.cs");
        repo.Delete("scripts/Loose.cs");
        using (var incremental = await IndexAsync(repo))
        {
            using var cleanRepo = new TempGitRepository(initGit: false);
            foreach (var file in Directory.EnumerateFiles(repo.Root, "*", SearchOption.AllDirectories).Where(f => !f.Contains(".git", StringComparison.Ordinal)))
            {
                var relative = Path.GetRelativePath(repo.Root, file).Replace('\\', '/');
                cleanRepo.Write(relative, File.ReadAllText(file));
            }

            using var clean = await IndexAsync(cleanRepo);
            Assert.Equal(Dump(clean), Dump(incremental));
            Assert.Contains(incremental.SymbolsUnder(null), s => s.NamePath == "InvoiceCalculator/AddTax[2]" && s.Key == "M:Shop.Billing.InvoiceCalculator.AddTax(System.Decimal,System.Decimal)");
            Assert.DoesNotContain(incremental.SymbolsUnder(null), s => s.Path == "scripts/Loose.cs");
        }
    }

    private static string[] Dump(EngramStore store) =>
        store.SymbolsUnder(null).Select(s => s.ToString())
            .Concat(store.EdgesUnder(null).Select(e => e.ToString()))
            .Order(StringComparer.Ordinal).ToArray();

    private static TempGitRepository Fixture()
    {
        var repo = new TempGitRepository();
        foreach (var (path, text) in s_fixture)
        {
            repo.Write(path, text.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        }

        return repo;
    }

    private static async Task<EngramStore> IndexAsync(TempGitRepository repo)
    {
        await new EngramIndexer(SharedModels.Encoder, null).IndexAsync(repo.Root, repo.DatabasePath);
        return EngramStore.Open(repo.DatabasePath, SharedModels.Encoder.Dimension, create: false);
    }
}
