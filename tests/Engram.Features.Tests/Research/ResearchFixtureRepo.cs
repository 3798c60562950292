using LibGit2Sharp;

namespace Engram.Features.Tests.Research;

/// <summary>A small git repository in a temp folder, committed, with C#, Markdown and TypeScript files.</summary>
internal sealed class ResearchFixtureRepo : IDisposable
{
    public ResearchFixtureRepo(string name = "repo")
    {
        Base = Path.Combine(Path.GetTempPath(), "engram-research-tests", Guid.NewGuid().ToString("N"));
        Root = Path.Combine(Base, name);
        Directory.CreateDirectory(Root);
        Write("src/Billing/InvoiceCalculator.cs", """
            namespace Shop.Billing;

            /// <summary>Computes invoice totals.</summary>
            public sealed class InvoiceCalculator
            {
                /// <summary>Sums the line totals and applies the tax rate.</summary>
                public decimal ComputeTotal(IReadOnlyList<decimal> lines, decimal taxRate)
                {
                    var subtotal = lines.Sum();
                    return subtotal + subtotal * taxRate;
                }

                /// <summary>Rounds an amount to whole cents, half away from zero.</summary>
                public static decimal RoundToCents(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero);
            }
            """);
        Write("src/Shipping/ShippingRates.cs", """
            namespace Shop.Shipping;

            /// <summary>Shipping cost by parcel weight.</summary>
            public static class ShippingRates
            {
                /// <summary>The shipping cost of a parcel in kilograms.</summary>
                public static decimal CostForWeight(double kilograms)
                {
                    if (kilograms <= 1) return 4.5m;
                    if (kilograms <= 5) return 9.0m;
                    return 15.0m + (decimal)(kilograms - 5) * 1.2m;
                }
            }
            """);
        Write("web/cart.ts", """
            export function cartTotal(items: { price: number; qty: number }[]): number {
              return items.reduce((sum, item) => sum + item.price * item.qty, 0);
            }

            export function formatPrice(value: number): string {
              return value.toFixed(2) + " EUR";
            }
            """);
        Write("docs/billing.md", """
            # Billing

            Invoices are computed by the invoice calculator: line totals are summed and the tax rate applied.

            ## Rounding

            Amounts are rounded to whole cents, half away from zero.
            """);
        Repository.Init(Root);
        using var repo = new Repository(Root);
        Commands.Stage(repo, "*");
        var signature = new Signature("Test", "test@example.com", DateTimeOffset.UtcNow);
        repo.Commit("fixture", signature, signature);
        IndexDirectory = Path.Combine(Base, "index-" + name);
    }

    public string Base { get; }

    public string Root { get; }

    public string IndexDirectory { get; }

    public string Write(string relative, string text)
    {
        var full = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text.Replace("\r\n", "\n") + "\n");
        return full;
    }

    public void Dispose()
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(Base, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(file, FileAttributes.Normal);
            }

            Directory.Delete(Base, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: temp folders are reclaimed by the OS.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
