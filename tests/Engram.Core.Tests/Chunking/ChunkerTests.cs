using System.Text;
using Engram.Core.Chunking;
using static Engram.Core.Tests.Chunking.ChunkCheck;

namespace Engram.Core.Tests.Chunking;

public sealed class ChunkerTests
{
    private static readonly string[] s_paths =
        ["a.cs", "a.md", "a.js", "a.ts", "a.py", "a.json", "a.yaml", "a.toml", "a.rs", "a.go", "a.txt", "a.xml", "a"];

    private static readonly string s_sample = """"
        using System;
        # Heading
        namespace Acme.Sample
        {
            /// <summary>Doc.</summary>
            public class Widget : IDisposable
            {
                private int _a, _b;
                public event EventHandler? Changed;
                /** Block doc. */
                public Widget(int a) { _a = a; }
                public int this[int i] => i;
                public static Widget operator +(Widget x, Widget y) => x;
                public void Dispose() { }
                enum Mode { On, Off }
            }
        }
        ```js
        /** JSDoc. */
        export function run(x) {
          return `{${x}}`;
        }
        ```
        def main():
            """Docstring {."""
            return {"a": [1, 2]}

        [table]
        key = "value"
        name: value
        """";

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n\r\n\t\n")]
    public void Empty_or_white_space_text_has_no_chunks(string text)
    {
        foreach (string path in s_paths)
        {
            Assert.Empty(Chunker.Chunk(path, text));
        }
    }

    [Fact]
    public void Extension_picks_the_chunker_case_insensitively()
    {
        const string Source = """
            # Title
            class C { }
            """;
        Check("src/C.CS", Source, """
            2-2 type C
            """);
        Check("docs/notes.Markdown", Source, """
            1-2 section Title
            """);
        Check("scripts/c.csx", Source, """
            1-1 block _
            2-2 block C
            """);
    }

    [Fact]
    public void Limits_below_one_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Chunker.Chunk("a.cs", "class C { }", new ChunkerOptions { MaxChunkLines = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Chunker.Chunk("a.cs", "class C { }", new ChunkerOptions { MaxChunkChars = 0 }));
    }

    [Fact]
    public void Same_input_gives_the_same_chunks()
    {
        foreach (string path in s_paths)
        {
            IReadOnlyList<Chunk> first = Chunker.Chunk(path, s_sample);
            IReadOnlyList<Chunk> second = Chunker.Chunk(path, s_sample);
            Assert.Equal(first, second);
            Assert.NotEmpty(first);
        }
    }

    /// <summary>
    /// Mangles a mixed-language sample many ways (deleted, duplicated and inserted characters, cut-off
    /// text) and chunks it as every kind of file with tiny limits: nothing may throw, and every result
    /// must keep the invariants of <see cref="ChunkCheck.AssertInvariants"/>.
    /// </summary>
    [Fact]
    public void Mangled_input_never_throws_and_keeps_the_invariants()
    {
        string[] inserts = ["{", "}", "(", ")", "[", "]", "\"", "'", "`", "/*", "*/", "///", "/**", "#", "```", "\n", "\r", "\r\n", "\t", "\"\"\"", "'{'", "\uD83D\uDE00", "\uD83D"];
        var random = new Random(1234);
        var options = new ChunkerOptions { MaxChunkLines = 3, MaxChunkChars = 40 };
        for (int round = 0; round < 150; round++)
        {
            var text = new StringBuilder(s_sample);
            int edits = random.Next(1, 12);
            for (int e = 0; e < edits && text.Length > 0; e++)
            {
                int at = random.Next(text.Length);
                switch (random.Next(4))
                {
                    case 0:
                        text.Remove(at, Math.Min(random.Next(1, 40), text.Length - at));
                        break;
                    case 1:
                        text.Insert(at, inserts[random.Next(inserts.Length)]);
                        break;
                    case 2:
                        text.Insert(at, text.ToString(at, Math.Min(random.Next(1, 80), text.Length - at)));
                        break;
                    default:
                        text.Length = at;
                        break;
                }
            }

            string mangled = text.ToString();
            foreach (string path in s_paths)
            {
                AssertInvariants(path, mangled, Chunker.Chunk(path, mangled, options));
            }
        }
    }
}
