namespace Engram.Core.Chunking;

/// <summary>
/// The little the language-agnostic chunker knows about a file's language: comment markers, quotes and
/// whether brackets nest blocks. Chosen from the file name; unknown files get a cautious default.
/// </summary>
/// <param name="LineComments">Markers that start a comment running to the end of the line (a <c>#</c> only counts at the start of a line or after white space).</param>
/// <param name="BlockComments">Whether <c>/* */</c> comments exist.</param>
/// <param name="Quotes">Characters that open a string closed by the same character on the same line.</param>
/// <param name="TripleQuotes">Whether <c>"""</c> and <c>'''</c> strings may span lines (Python).</param>
/// <param name="CharLiterals">Whether <c>'</c> opens only a character literal such as <c>'{'</c>, otherwise being a lifetime (Rust).</param>
/// <param name="Brackets">Whether <c>{ [ (</c> nest: lines inside brackets belong to the block that opened them.</param>
/// <param name="Symbols">Whether block names are guessed from first lines (off for prose, where any line with a parenthesis would look like a C function).</param>
/// <param name="JsDoc">Whether a <c>/** */</c> comment above a function is its doc comment (JavaScript, TypeScript).</param>
/// <param name="Json">Whether a file that is one bracketed value is chunked by the keys one level in.</param>
/// <param name="ContinuationKeywords">Whether a line starting with <c>else</c>, <c>elif</c>, <c>except</c>, <c>finally</c>, <c>end</c>, <c>fi</c>, ... continues the statement above (off for data files, where such words are keys).</param>
internal sealed record TextSyntax(
    string[] LineComments,
    bool BlockComments,
    string Quotes,
    bool TripleQuotes,
    bool CharLiterals,
    bool Brackets,
    bool Symbols,
    bool JsDoc,
    bool Json,
    bool ContinuationKeywords = true)
{
    private static readonly TextSyntax s_cLike = new(["//"], true, "\"'`", false, false, true, true, false, false);
    private static readonly TextSyntax s_script = s_cLike with { JsDoc = true };
    private static readonly TextSyntax s_rust = s_cLike with { Quotes = "\"", CharLiterals = true };
    private static readonly TextSyntax s_css = s_cLike with { LineComments = [], Quotes = "\"'" };
    private static readonly TextSyntax s_json = new([], false, "\"", false, false, true, true, false, true, ContinuationKeywords: false);
    private static readonly TextSyntax s_jsonWithComments = s_json with { LineComments = ["//"], BlockComments = true };
    private static readonly TextSyntax s_hash = new(["#"], false, "\"'", false, false, true, true, false, false);
    private static readonly TextSyntax s_python = s_hash with { TripleQuotes = true };
    private static readonly TextSyntax s_data = s_hash with { ContinuationKeywords = false };
    private static readonly TextSyntax s_dashDash = new(["--"], false, "\"'", false, false, true, true, false, false);
    private static readonly TextSyntax s_markup = new([], false, "", false, false, false, false, false, false);
    private static readonly TextSyntax s_prose = s_markup;
    private static readonly TextSyntax s_unknown = new([], false, "\"", false, false, true, true, false, false);

    /// <summary>The profile for a workspace-relative path such as <c>src/app/main.ts</c>.</summary>
    public static TextSyntax ForPath(string path)
    {
        string fileName = path[(path.LastIndexOf('/') + 1)..];
        if (fileName.Equals("CMakeLists.txt", StringComparison.OrdinalIgnoreCase)
            || fileName.StartsWith("Makefile", StringComparison.OrdinalIgnoreCase)
            || fileName.StartsWith("Dockerfile", StringComparison.OrdinalIgnoreCase)
            || fileName.StartsWith(".git", StringComparison.OrdinalIgnoreCase)
            || fileName.StartsWith(".env", StringComparison.OrdinalIgnoreCase)
            || fileName.Equals(".editorconfig", StringComparison.OrdinalIgnoreCase))
        {
            return s_hash;
        }

        int dot = fileName.LastIndexOf('.');
        string extension = dot > 0 ? fileName[(dot + 1)..].ToLowerInvariant() : "";
        return extension switch
        {
            "js" or "jsx" or "mjs" or "cjs" or "ts" or "tsx" or "mts" or "cts" => s_script,
            "c" or "h" or "cc" or "cpp" or "cxx" or "hpp" or "hh" or "hxx" or "m" or "mm" or "java" or "go"
                or "kt" or "kts" or "swift" or "scala" or "sc" or "dart" or "php" or "groovy" or "gradle"
                or "proto" or "zig" or "v" or "sol" or "glsl" or "hlsl" or "wgsl" or "fs" or "fsx" or "fsi"
                or "csx" or "vue" or "svelte" => s_cLike,
            "rs" => s_rust,
            "css" or "scss" or "sass" or "less" => s_css,
            "json" => s_json,
            "jsonc" or "json5" => s_jsonWithComments,
            "py" or "pyi" or "pyw" => s_python,
            "yaml" or "yml" or "toml" or "ini" or "cfg" or "conf" or "properties" => s_data,
            "rb" or "sh" or "bash" or "zsh" or "fish" or "r" or "pl" or "pm" or "ps1" or "psm1" or "cmake"
                or "tf" or "hcl" or "nix" or "mk" or "ex" or "exs" or "jl" or "nim" or "cr" => s_hash,
            "sql" or "lua" or "hs" or "elm" or "ada" or "adb" or "ads" => s_dashDash,
            "xml" or "html" or "htm" or "xhtml" or "svg" or "xaml" or "axaml" or "csproj" or "fsproj"
                or "vbproj" or "props" or "targets" or "resx" or "razor" or "cshtml" or "config" => s_markup,
            "txt" or "text" or "rst" or "adoc" or "asciidoc" or "org" or "log" or "csv" or "tsv" => s_prose,
            _ => s_unknown,
        };
    }
}
