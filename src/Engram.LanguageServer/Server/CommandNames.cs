namespace Engram.LanguageServer.Server;

/// <summary>The <c>workspace/executeCommand</c> commands (the LSP extension contract in docs/lsp.md).</summary>
internal static class CommandNames
{
    public const string Index = "engram.index";
    public const string ReviewChanges = "engram.reviewChanges";
    public const string ReviewRange = "engram.reviewRange";
    public const string Explain = "engram.explain";
    public const string GenerateDocs = "engram.generateDocs";
    public const string Refactor = "engram.refactor";
    public const string Ask = "engram.ask";
    public const string ListModes = "engram.listModes";
    public const string RunDialogue = "engram.runDialogue";
    public const string Usage = "engram.usage";
    public const string Status = "engram.status";
    public const string Search = "engram.search";

    public static IReadOnlyList<string> All { get; } =
        [Index, ReviewChanges, ReviewRange, Explain, GenerateDocs, Refactor, Ask, ListModes, RunDialogue, Usage, Status, Search];
}
