using Engram.Features.Docs;
using Engram.Features.Tests.Support;

namespace Engram.Features.Tests.Docs;

public sealed class DocCommentGeneratorTests
{
    private readonly DocCommentGenerator _generator = new();

    public static TheoryData<string, string, string, int> Skeletons => new()
    {
        {
            "a.cs",
            """
            namespace N;

            public class Store
            {
                [Obsolete]
                public async Task<T?> GetAsync<T>(string key, int retries)
                {
                    if (key is null) throw new ArgumentNullException(nameof(key));
                    var x = retries > 0 ? 1 : throw new InvalidOperationException("no");
                    throw new ArgumentNullException("again");$0
                }
            }
            """,
            """
                /// <summary>
                /// 
                /// </summary>
                /// <typeparam name="T"></typeparam>
                /// <param name="key"></param>
                /// <param name="retries"></param>
                /// <returns></returns>
                /// <exception cref="ArgumentNullException"></exception>
                /// <exception cref="InvalidOperationException"></exception>

            """,
            4
        },
        {
            "a.cs",
            """
            class C
            {
                public Task Run$0Async(CancellationToken token) => Task.CompletedTask;
            }
            """,
            """
                /// <summary>
                /// 
                /// </summary>
                /// <param name="token"></param>

            """,
            2
        },
        {
            "a.cs",
            """
            public sealed record Point<TUnit>(int X, int Y)$0;
            """,
            """
            /// <summary>
            /// 
            /// </summary>
            /// <typeparam name="TUnit"></typeparam>
            /// <param name="X"></param>
            /// <param name="Y"></param>

            """,
            0
        },
        {
            "a.cs",
            """
            class C
            {
                public C(int size) { }
                $0public int this[int index] => index;
                public int Count { get; }
            }
            """,
            """
                /// <summary>
                /// 
                /// </summary>
                /// <param name="index"></param>
                /// <returns></returns>

            """,
            3
        },
        {
            "a.cs",
            """
            class C
            {
                public event EventHandler? Chan$0ged;
                public delegate bool Filter<in T>(T item);
            }
            """,
            """
                /// <summary>
                /// 
                /// </summary>

            """,
            2
        },
        {
            "a.js",
            """
            export async function fetchUser(id, { retries = 2 } = {}, ...rest) {
              const user = await db.get(id);$0
              return user;
            }
            """,
            """
            /**
             * 
             * @param id
             * @param rest
             * @returns
             */

            """,
            0
        },
        {
            "a.ts",
            """
            class Cart {
              add$0(item: Item, count?: number): void {
                this.items.push(item);
              }
            }
            """,
            """
              /**
               * 
               * @param item
               * @param count
               */

            """,
            1
        },
        {
            "a.py",
            """
            class Parser:
                def parse(self, text: str, *, strict=False) -> Node:
                    $0return Node(text)
            """,
            """"
                    """

                    Args:
                        text:
                        strict:

                    Returns:
                        
                    """

            """",
            2
        },
        {
            "a.rs",
            """
            #[inline]
            pub fn add(a: i32, b: i32) -> i32 {
                a + b$0
            }
            """,
            """
            /// 

            """,
            0
        },
        {
            "a.go",
            """
            package main

            func (s *Server) Serve$0(addr string) error {
            	return nil
            }
            """,
            """
            // Serve 

            """,
            2
        },
        {
            "a.sh",
            """
            function deploy$0() {
              echo hi
            }
            """,
            """
            # 

            """,
            0
        },
    };

    [Theory]
    [MemberData(nameof(Skeletons))]
    public void Builds_the_skeleton(string path, string fixture, string expected, int insertLine)
    {
        var (text, line, character) = Caret.ParseLineColumn(fixture);
        var comment = _generator.CreateSkeleton(path, text, line, character);
        Assert.NotNull(comment);
        Assert.Equal(expected.Replace("\r\n", "\n").TrimEnd('\n') + "\n", comment.Text);
        Assert.Equal(insertLine, comment.InsertLine);
    }

    [Theory]
    [InlineData("a.cs", "class C\n{\n    /// <summary>Exists.</summary>\n    public void M$0() { }\n}\n")]
    [InlineData("a.py", "def f(x):\n    \"\"\"Exists.\"\"\"\n    return $0x\n")]
    [InlineData("a.js", "/** Exists. */\nfunction f$0(a) {}\n")]
    [InlineData("a.cs", "namespace N;\n$0\n")]
    [InlineData("a.txt", "just prose $0here\n")]
    public void Returns_null_when_documented_or_nothing_found(string path, string fixture)
    {
        var (text, line, character) = Caret.ParseLineColumn(fixture);
        Assert.Null(_generator.CreateSkeleton(path, text, line, character));
    }

    [Fact]
    public void Reports_symbol_convention_and_declaration()
    {
        var (text, line, character) = Caret.ParseLineColumn("class C\n{\n    int M$0ax(int a, int b) => a > b ? a : b;\n}\n");
        var comment = _generator.CreateSkeleton("x.cs", text, line, character)!;
        Assert.Equal("Max", comment.Symbol);
        Assert.Equal("xmldoc", comment.Convention);
        Assert.Equal("    ", comment.Indentation);
        Assert.Equal("int Max(int a, int b) => a > b ? a : b;", comment.Declaration);
    }

    [Fact]
    public async Task Uses_a_valid_model_answer_reindented()
    {
        var (text, line, character) = Caret.ParseLineColumn("class C\n{\n    int M$0ax(int a, int b) => a > b ? a : b;\n}\n");
        var client = new FakeChatClient("""
            Here you go:
            ```csharp
            /// <summary>
            /// Returns the larger of two numbers.
            /// </summary>
            /// <param name="a">The first number.</param>
            /// <param name="b">The second number.</param>
            /// <returns>The larger one.</returns>
            ```
            """) { ModelId = "doc-model" };

        var result = await _generator.GenerateAsync("x.cs", text, line, character, "csharp", client);

        Assert.NotNull(result);
        Assert.True(result.UsedModel);
        Assert.Equal("doc-model", result.Model);
        Assert.Equal("""
                /// <summary>
                /// Returns the larger of two numbers.
                /// </summary>
                /// <param name="a">The first number.</param>
                /// <param name="b">The second number.</param>
                /// <returns>The larger one.</returns>

            """.Replace("\r\n", "\n").TrimEnd('\n') + "\n", result.Comment.Text);
        Assert.Contains("int Max(int a, int b)", client.LastPrompt);
        Assert.Contains("<param name=\"b\"></param>", client.LastPrompt);
    }

    [Fact]
    public async Task Answer_missing_a_parameter_only_fills_the_summary()
    {
        var (text, line, character) = Caret.ParseLineColumn("def area(width, height):\n    return wi$0dth * height\n");
        var client = new FakeChatClient("\"\"\"Computes the area of a rectangle. Multiplies.\n\nArgs:\n    width: The width.\n\"\"\"");

        var result = await _generator.GenerateAsync("geo.py", text, line, character, null, client);

        Assert.NotNull(result);
        Assert.True(result.UsedModel);
        Assert.Equal(1, result.Comment.InsertLine);
        Assert.Equal("    \"\"\"Computes the area of a rectangle.\n\n    Args:\n        width:\n        height:\n\n    Returns:\n        \n    \"\"\"\n", result.Comment.Text);
    }

    [Fact]
    public async Task Unusable_answer_or_no_client_gives_the_skeleton()
    {
        var (text, line, character) = Caret.ParseLineColumn("function f$0(a) { return a; }\n");
        var skeleton = _generator.CreateSkeleton("a.js", text, line, character)!;

        var empty = await _generator.GenerateAsync("a.js", text, line, character, null, new FakeChatClient("   "));
        var none = await _generator.GenerateAsync("a.js", text, line, character, null, null);

        Assert.False(empty!.UsedModel);
        Assert.Equal(skeleton, empty.Comment);
        Assert.False(none!.UsedModel);
        Assert.Null(none.Model);
        Assert.Equal(skeleton, none.Comment);
    }

    [Fact]
    public async Task Go_answer_must_start_with_the_name()
    {
        var (text, line, character) = Caret.ParseLineColumn("func Sum$0(xs []int) int {\n\treturn 0\n}\n");
        var good = await _generator.GenerateAsync("a.go", text, line, character, null, new FakeChatClient("// Sum adds up xs.\n// It returns 0 for an empty slice."));
        var prose = await _generator.GenerateAsync("a.go", text, line, character, null, new FakeChatClient("Adds up the numbers. Fast."));

        Assert.Equal("// Sum adds up xs.\n// It returns 0 for an empty slice.\n", good!.Comment.Text);
        Assert.Equal("// Sum Adds up the numbers.\n", prose!.Comment.Text);
    }

    [Fact]
    public async Task Null_when_nothing_is_found()
    {
        Assert.Null(await _generator.GenerateAsync("a.cs", "namespace N;\n", 0, 0, null, new FakeChatClient("x")));
    }
}
