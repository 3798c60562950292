using System.Text;
using Engram.Core.Chunking;

namespace Engram.Core.Tests.Chunking;

/// <summary>
/// The one helper of the chunking tests: chunks a fixture and compares a table, one row per chunk, with the
/// expected table written out in full.
/// </summary>
/// <remarks>
/// A row reads <c>start-end kind symbol [in container] [/// doc]</c>; a null symbol prints as <c>_</c> and line
/// breaks inside the doc comment as <c>\n</c>. With <c>withCode</c>, each row is followed by the chunk's
/// <see cref="Chunk.Code"/>, every line prefixed with <c>  | </c>. Every check also asserts the invariants
/// that hold for any input (see <see cref="AssertInvariants"/>).
/// </remarks>
internal static class ChunkCheck
{
    public static void Check(string path, string source, string expected, ChunkerOptions? options = null, bool withCode = false)
    {
        IReadOnlyList<Chunk> chunks = Chunker.Chunk(path, source, options);
        AssertInvariants(path, source, chunks);
        Assert.Equal(Normalize(expected), Render(chunks, withCode));
    }

    public static string Render(IEnumerable<Chunk> chunks, bool withCode)
    {
        var builder = new StringBuilder();
        foreach (Chunk chunk in chunks)
        {
            builder.Append($"{chunk.StartLine}-{chunk.EndLine} {chunk.Kind} {chunk.Symbol ?? "_"}");
            if (chunk.Container is not null)
            {
                builder.Append($" in {chunk.Container}");
            }

            if (chunk.DocComment is not null)
            {
                builder.Append($" /// {chunk.DocComment.Replace("\n", "\\n")}");
            }

            builder.Append('\n');
            if (withCode)
            {
                foreach (string line in chunk.Code.Replace("\r\n", "\n").Split('\n'))
                {
                    builder.Append(("  | " + line).TrimEnd()).Append('\n');
                }
            }
        }

        return Normalize(builder.ToString());
    }

    /// <summary>
    /// What holds for every input: the path is copied, ranges are 1-based, non-empty and inside the file,
    /// chunks are ordered by start line, code is a slice of the source, and a
    /// doc comment has text, <c>\n</c> line breaks and no empty first or last line.
    /// </summary>
    public static void AssertInvariants(string path, string source, IReadOnlyList<Chunk> chunks)
    {
        // Line breaks are \r\n, \n and a lone \r, as in the Language Server Protocol.
        int lineCount = source.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n').Length;
        int previousStart = 1;
        foreach (Chunk chunk in chunks)
        {
            Assert.Equal(path, chunk.Path);
            Assert.InRange(chunk.StartLine, previousStart, chunk.EndLine);
            Assert.InRange(chunk.EndLine, chunk.StartLine, lineCount);
            Assert.Contains(chunk.Code, source, StringComparison.Ordinal);
            Assert.NotEqual(string.Empty, chunk.Kind);
            if (chunk.DocComment is { } doc)
            {
                Assert.NotEqual(string.Empty, doc.Trim());
                Assert.DoesNotContain('\r', doc);
                Assert.False(doc.StartsWith('\n') || doc.EndsWith('\n'), "doc comment starts or ends with an empty line");
            }

            previousStart = chunk.StartLine;
        }
    }

    private static string Normalize(string table)
    {
        string[] lines = table.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).ToArray();
        return string.Join("\n", lines).Trim('\n');
    }
}
