using Engram.Core.Chunking;
using static Engram.Core.Tests.Chunking.ChunkCheck;

namespace Engram.Core.Tests.Chunking;

public sealed class CSharpChunkerTests
{
    [Fact]
    public void Class_members_in_a_block_namespace()
    {
        Check("src/Lexer.cs", """
            using System;

            namespace Acme.Parsing
            {
                /// <summary>A lexer.</summary>
                [Serializable]
                public sealed class Lexer : IDisposable
                {
                    private readonly string _text;
                    private int _position, _line;

                    /// <summary>Creates a lexer.</summary>
                    public Lexer(string text) => _text = text;

                    ~Lexer() { }

                    public int Position => _position;

                    public char this[int index] => _text[index];

                    public static Lexer operator +(Lexer a, Lexer b) => a;

                    public static Lexer operator checked -(Lexer a, Lexer b) => a;

                    public static implicit operator string(Lexer lexer) => lexer._text;

                    public static explicit operator Lexer(string text) => new(text);

                    public event EventHandler? Changed, Moved;

                    public event EventHandler Closed
                    {
                        add { }
                        remove { }
                    }

                    /// <summary>Tries to read a number.</summary>
                    public bool TryParse<T>(out T value)
                    {
                        value = default!;
                        return true;
                    }

                    void IDisposable.Dispose() { }

                    private sealed class Token
                    {
                        public int Start;
                    }
                }
            }
            """, """
            5-8 type Lexer in Acme.Parsing /// <summary>A lexer.</summary>
            9-10 fields _text in Acme.Parsing.Lexer
            12-13 constructor Lexer in Acme.Parsing.Lexer /// <summary>Creates a lexer.</summary>
            15-15 method ~Lexer in Acme.Parsing.Lexer
            17-17 property Position in Acme.Parsing.Lexer
            19-19 indexer this[] in Acme.Parsing.Lexer
            21-21 operator operator + in Acme.Parsing.Lexer
            23-23 operator operator checked - in Acme.Parsing.Lexer
            25-25 operator implicit operator string in Acme.Parsing.Lexer
            27-27 operator explicit operator Lexer in Acme.Parsing.Lexer
            29-29 event Changed, Moved in Acme.Parsing.Lexer
            31-35 event Closed in Acme.Parsing.Lexer
            37-42 method TryParse in Acme.Parsing.Lexer /// <summary>Tries to read a number.</summary>
            44-44 method Dispose in Acme.Parsing.Lexer
            46-47 type Token in Acme.Parsing.Lexer
            48-48 fields Start in Acme.Parsing.Lexer.Token
            """);
    }

    [Fact]
    public void Enums_records_interfaces_structs_and_delegates_in_a_file_scoped_namespace()
    {
        Check("src/Shapes.cs", """
            namespace Acme.Shapes;

            public enum Color
            {
                Red,
                Green,
                Blue,
            }

            public enum Empty { }

            public record Point(int X, int Y);

            /// <summary>A size.</summary>
            public readonly record struct Size(int Width, int Height)
            {
                public int Area => Width * Height;
            }

            public interface IShape<T>
                where T : struct
            {
                double Area();

                event EventHandler Changed;
            }

            public struct Vector { public double X, Y; }

            public delegate void Handler(object sender);

            public class Outer
            {
                public class Inner
                {
                    public enum Mode { On, Off }
                }
            }
            """, """
            3-4 type Color in Acme.Shapes
            5-7 enum-members Color in Acme.Shapes
            10-10 type Empty in Acme.Shapes
            12-12 type Point in Acme.Shapes
            14-16 type Size in Acme.Shapes /// <summary>A size.</summary>
            17-17 property Area in Acme.Shapes.Size
            20-22 type IShape in Acme.Shapes
            23-23 method Area in Acme.Shapes.IShape
            25-25 event Changed in Acme.Shapes.IShape
            28-28 type Vector in Acme.Shapes
            28-28 fields X, Y in Acme.Shapes.Vector
            30-30 delegate Handler in Acme.Shapes
            32-33 type Outer in Acme.Shapes
            34-35 type Inner in Acme.Shapes.Outer
            36-36 type Mode in Acme.Shapes.Outer.Inner
            36-36 enum-members Mode in Acme.Shapes.Outer.Inner
            """);
    }

    [Fact]
    public void Top_level_statements_are_one_method_chunk()
    {
        Check("src/App/Program.cs", """
            using System;

            // Entry point.
            var app = Build(args);
            app.Run();

            static int Build(string[] a) => a.Length;

            Console.WriteLine("done");

            public partial class Program
            {
                public static int Answer => 42;
            }
            """, """
            3-9 method <top-level statements>
            11-12 type Program
            13-13 property Answer in Program
            """);
    }

    [Fact]
    public void Doc_comment_is_extracted_and_left_out_of_code()
    {
        Check("Doc.cs", """
            class Doc
            {
                /// <summary>
                /// Adds <paramref name="a"/> to <paramref name="b"/>.
                /// </summary>
                /// <example>
                ///   <code>Add(1, 2)</code>
                /// </example>
                // Hot path.
                [Pure]
                public int Add(int a, int b) => a + b;

                /**
                 * <summary>Subtracts.</summary>
                 */
                public int Sub(int a, int b) => a - b;

                // Separated from the member by a blank line: not part of its code.

                // Directly above.
                public int Mul(int a, int b) => a * b;
            }
            """, """
            1-2 type Doc
              | class Doc
              | {
            3-11 method Add in Doc /// <summary>\nAdds <paramref name="a"/> to <paramref name="b"/>.\n</summary>\n<example>\n  <code>Add(1, 2)</code>\n</example>
              | // Hot path.
              |     [Pure]
              |     public int Add(int a, int b) => a + b;
            13-16 method Sub in Doc /// <summary>Subtracts.</summary>
              | public int Sub(int a, int b) => a - b;
            20-21 method Mul in Doc
              | // Directly above.
              |     public int Mul(int a, int b) => a * b;
            """, withCode: true);
    }

    [Fact]
    public void Over_long_member_is_split_into_contiguous_pieces()
    {
        Check("Long.cs", """
            class Long
            {
                /// <summary>Long.</summary>
                void Run()
                {
                    A();
                    B();

                    C();
                    D();
                    E();
                    F();
                }
            }
            """, """
            1-2 type Long
              | class Long
              | {
            3-8 method Run in Long /// <summary>Long.</summary>
              | void Run()
              |     {
              |         A();
              |         B();
              |
            9-13 method Run in Long
              |         C();
              |         D();
              |         E();
              |         F();
              |     }
            """, new ChunkerOptions { MaxChunkLines = 6 }, withCode: true);
    }

    [Fact]
    public void Over_long_line_is_split_by_characters()
    {
        Check("Wide.cs", """
            class Wide
            {
                const string S = "0123456789";
            }
            """, """
            1-2 type Wide
              | class Wide
              | {
            3-3 fields S in Wide
              | const string S = "01
            3-3 fields S in Wide
              | 23456789";
            """, new ChunkerOptions { MaxChunkChars = 20 }, withCode: true);
    }

    [Fact]
    public void Enum_members_split_when_large()
    {
        Check("Big.cs", """
            enum Big
            {
                A,
                B,
                C,
                D,
                E,
            }
            """, """
            1-2 type Big
            3-5 enum-members Big
            6-7 enum-members Big
            """, new ChunkerOptions { MaxChunkLines = 3 });
    }

    [Fact]
    public void Extension_blocks_keep_the_static_class_as_container()
    {
        Check("Extensions.cs", """
            namespace Acme;

            public static class StringExtensions
            {
                extension(string s)
                {
                    public bool IsBlank => s.Trim().Length == 0;
                }
            }
            """, """
            3-4 type StringExtensions in Acme
            5-6 type extension(string s) in Acme.StringExtensions
            7-7 property IsBlank in Acme.StringExtensions
            """);
    }

    [Fact]
    public void Malformed_code_still_chunks()
    {
        Check("Broken.cs", """
            namespace Broken
            {
                public class Foo
                {
                    public void A(
                    {
                        int x = ;
                    }

                    public int B { get; set }

                    public void C() { return 1 }

                    int
                }

                class Bar
                    public void D() { }
            """, """
            3-4 type Foo in Broken
            5-8 method A in Broken.Foo
            10-10 property B in Broken.Foo
            12-12 method C in Broken.Foo
            17-17 type Bar in Broken
            18-18 method D in Broken
            """);
    }

    [Fact]
    public void Crlf_line_endings_give_the_same_lines()
    {
        string source = "namespace N;\r\n\r\n/// <summary>S.</summary>\r\nclass S\r\n{\r\n    void M()\r\n    {\r\n    }\r\n}\r\n";
        Check("Crlf.cs", source, """
            3-5 type S in N /// <summary>S.</summary>
              | class S
              | {
            6-8 method M in N.S
              | void M()
              |     {
              |     }
            """, withCode: true);
    }
}
