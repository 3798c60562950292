using Engram.Core.Chunking;
using static Engram.Core.Tests.Chunking.ChunkCheck;

namespace Engram.Core.Tests.Chunking;

public sealed class TextChunkerTests
{
    [Fact]
    public void JavaScript_functions_take_their_JSDoc()
    {
        Check("web/src/files.js", """
            import fs from 'fs';
            import path from 'path';

            /**
             * Reads a file.
             * @param {string} p The path.
             */
            export function readFile(p) {
              return fs.readFileSync(p, 'utf8');
            }

            /** Adds two numbers. */
            export const add = (a, b) => a + b;

            /* Not JSDoc. */
            function plain() {}

            /** Not above a function. */
            const limit = 3;

            class Widget extends Base {
              render() {
                return 1;
              }
            }

            module.exports = { readFile, add };
            """, """
            1-2 block _
              | import fs from 'fs';
              | import path from 'path';
            4-10 block readFile /// Reads a file.\n@param {string} p The path.
              | export function readFile(p) {
              |   return fs.readFileSync(p, 'utf8');
              | }
            12-13 block add /// Adds two numbers.
              | export const add = (a, b) => a + b;
            15-19 block plain
              | /* Not JSDoc. */
              | function plain() {}
              |
              | /** Not above a function. */
              | const limit = 3;
            21-27 block Widget
              | class Widget extends Base {
              |   render() {
              |     return 1;
              |   }
              | }
              |
              | module.exports = { readFile, add };
            """, withCode: true);
    }

    [Fact]
    public void TypeScript_declarations_are_named()
    {
        Check("src/api.ts", """
            export interface User {
              id: string;
            }

            export type Id = string | number;

            export default class Api {
              get(id: Id): User | undefined {
                return undefined;
              }
            }

            export async function* pages(api: Api) {
              yield 1;
            }

            const handlers = {
              onClick: function () {},
            };
            """, """
            1-3 block User
            5-5 block Id
            7-11 block Api
            13-19 block pages
            """);
    }

    [Fact]
    public void Python_defs_and_classes_follow_indentation()
    {
        Check("tools/run.py", """"
            """Module docstring.

            Text with an open brace {.
            """
            import os


            class Foo(Base):
                """A foo."""

                def bar(self):
                    return {"a": 1}


            @decorator
            def main():
                print("x")


            async def fetch(url):
                pass


            if __name__ == "__main__":
                main()
            """", """
            1-5 block _
            8-12 block Foo
            15-17 block main
            20-25 block fetch
            """);
    }

    [Fact]
    public void Brackets_in_multi_line_strings_and_comments_do_not_nest()
    {
        Check("gen/template.py", """"
            X = """
            {
            """

            Y = 2
            """", """
            1-3 block X
            5-5 block Y
            """, new ChunkerOptions { MaxChunkLines = 4 });
        Check("src/comment.js", """
            const s = "{";
            /*
             { unbalanced in a comment
            */

            const t = 1;
            """, """
            1-4 block s
            6-6 block t
            """, new ChunkerOptions { MaxChunkLines = 4 });
    }

    [Fact]
    public void Else_except_end_and_fi_continue_the_statement_above()
    {
        Check("tools/compat.py", """
            try:
                import fast
            except ImportError:
                fast = None
            else:
                pass

            if fast:
                x = 1
            elif slow:
                x = 2

            end = 5
            done = [end]
            """, """
            1-6 block _
            8-11 block _
            13-14 block end
            """, new ChunkerOptions { MaxChunkLines = 6 });
        Check("scripts/build.sh", """
            if [ -z "$CI" ]; then
              echo local
            else
              echo ci
            fi

            build() {
              make
            }
            """, """
            1-5 block _
            7-9 block build
            """, new ChunkerOptions { MaxChunkLines = 6 });
    }

    [Fact]
    public void Json_is_chunked_by_top_level_keys()
    {
        Check("package.json", """
            {
              "name": "engram",
              "version": "1.0.0",
              "scripts": {
                "build": "tsc",
                "test": "jest {braces}"
              },
              "dependencies": {
                "a": "1"
              }
            }
            """, """
            1-3 block name
            4-7 block scripts
            8-11 block dependencies
            """, new ChunkerOptions { MaxChunkLines = 8 });
    }

    [Fact]
    public void Yaml_is_chunked_by_top_level_keys()
    {
        Check(".github/workflows/ci.yml", """
            # CI config
            name: CI
            on:
              push:
                branches: [main]

            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
            """, """
            1-2 block name
            3-5 block on
            7-11 block jobs
            """, new ChunkerOptions { MaxChunkLines = 8 });
    }

    [Fact]
    public void Toml_is_chunked_by_tables()
    {
        Check("Cargo.toml", """
            [package]
            name = "x"
            version = "0.1.0"
            [dependencies]
            serde = "1"

            [[bin]]
            name = "y"
            """, """
            1-3 block package
            4-5 block dependencies
            7-8 block bin
            """, new ChunkerOptions { MaxChunkLines = 8 });
    }

    [Fact]
    public void Go_brace_blocks()
    {
        Check("cmd/main.go", """
            package main

            import "fmt"

            type Server struct {
            	name string
            }

            func (s *Server) Start() error {
            	return nil
            }
            func main() {
            	fmt.Println("hi")
            }
            """, """
            1-3 block _
            5-7 block Server
            9-11 block Start
            12-14 block main
            """);
    }

    [Fact]
    public void Rust_character_literals_do_not_count_as_braces()
    {
        Check("src/lib.rs", """
            use std::fmt;

            pub struct Foo<'a> {
                x: &'a str,
            }

            impl<'a> fmt::Display for Foo<'a> {
                fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    write!(f, "{}", '{')
                }
            }

            pub(crate) fn helper() -> char { '}' }
            """, """
            1-1 block _
            3-5 block Foo
            7-11 block Foo
            13-13 block helper
            """);
    }

    [Fact]
    public void Cpp_namespace_and_allman_braces()
    {
        Check("src/foo.cpp", """
            #include <vector>

            namespace acme {

            class Foo {
            public:
                int bar() const;
            };

            int Foo::bar() const
            {
                return 1;
            }

            }  // namespace acme
            """, """
            1-1 block _
            3-3 block acme
            5-8 block Foo
            10-15 block bar
            """);
    }

    [Fact]
    public void Small_blocks_are_merged_but_definitions_start_their_own_chunk()
    {
        Check("src/small.js", """
            const a = 1;

            const b = 2;

            function f() {
              return a + b;
            }

            const c = 3;
            """, """
            1-3 block a
            5-9 block f
            """);
    }

    [Fact]
    public void Big_block_is_split_at_blank_lines()
    {
        Check("src/store.js", """
            class Store {
              constructor() {
                this.items = [];
              }

              add(item) {
                this.items.push(item);
                return this;
              }

              remove(item) {
                const i = this.items.indexOf(item);
                this.items.splice(i, 1);
              }

              clear() {
                this.items = [];
              }
            }
            """, """
            1-5 block Store
            6-10 block Store
            11-15 block Store
            16-19 block Store
            """, new ChunkerOptions { MaxChunkLines = 8 });
    }

    [Fact]
    public void Prose_paragraphs_ignore_unbalanced_brackets_and_have_no_symbol()
    {
        Check("notes/todo.txt", """
            First paragraph (with an unclosed parenthesis.
            Still first.

            int main(void) {

            Third paragraph.
            """, """
            1-2 block _
            4-4 block _
            6-6 block _
            """, new ChunkerOptions { MaxChunkLines = 4 });
    }

    [Fact]
    public void Minified_line_is_split_by_characters()
    {
        Check("dist/app.min.js", "var a=1;var b=2;var c=3;", """
            1-1 block a
              | var a=1;va
            1-1 block a
              | r b=2;var
            1-1 block a
              | c=3;
            """, new ChunkerOptions { MaxChunkChars = 10 }, withCode: true);
    }
}
