using Engram.Features.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Engram.LanguageServer;

/// <summary>Settings of one <see cref="LanguageServerHost"/> run (command-line flags and test seams).</summary>
public sealed record LspServerOptions
{
    /// <summary>Where logs go (the CLI passes a stderr logger); null logs nothing locally (window/logMessage still works).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Folder holding the index databases, or null for the XDG cache.</summary>
    public string? IndexDirectory { get; init; }

    /// <summary>True forces lexical-only indexing and search (<c>--lexical-only</c>); false lets the <c>index.lexicalOnly</c> setting decide.</summary>
    public bool LexicalOnly { get; init; }

    /// <summary>
    /// Creates the model side for the first workspace root (tests inject fake chat clients here); null uses
    /// <see cref="ReloadingEngramModels"/>, which follows edits of the user and workspace <c>engram.json</c>. A
    /// <c>ConfigException</c> it throws is shown to the user and the server keeps serving the deterministic features.
    /// Models made by this factory are never reloaded.
    /// </summary>
    public Func<string, EngramModels>? ModelsFactory { get; init; }

    /// <summary>Creates a model's provider client for the reloading configuration (tests inject fake clients); null uses <see cref="EngramModels.CreateClient"/>.</summary>
    public Func<Engram.Models.Configuration.ModelDefinition, IChatClient>? ModelClientFactory { get; init; }

    /// <summary>The usage ledger shared by every configuration generation (tests), or null for the SQLite ledger under the XDG data folder.</summary>
    public Engram.Models.Routing.IUsageLedger? UsageLedger { get; init; }

    /// <summary>The user-level <c>engram.json</c> to layer and watch, or null for <c>EngramConfigLoader.GetUserConfigPath()</c> (XDG config folder).</summary>
    public string? UserConfigPath { get; init; }

    /// <summary>Quiet time after an <c>engram.json</c> change before it is reloaded (default 200 ms).</summary>
    public TimeSpan ConfigReloadDebounce { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The embedding generator for the workspace instead of the local MiniLM model (tests), or null.</summary>
    public IEmbeddingGenerator<string, Embedding<float>>? Embedder { get; init; }

    /// <summary>Largest accepted message body in bytes (default 64 MiB); larger ones are skipped and answered with InvalidRequest.</summary>
    public long MaxMessageBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Quiet period after file-change events before the index update starts (default 300 ms).</summary>
    public TimeSpan IndexDebounce { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Delay after an edit before the open documents' unsaved text is laid over the index (default 75 ms): edits
    /// within it are coalesced into one encoding per document.
    /// </summary>
    public TimeSpan OverlayDebounce { get; init; } = TimeSpan.FromMilliseconds(75);

    /// <summary>Quiet period after a save before the review on save runs (default 1.5 s).</summary>
    public TimeSpan ReviewDebounce { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>Folders searched for dialogue modes (<c>*.json</c>), later ones overriding; null: <c>DialogueService.DefaultModeDirectories</c> of the first root.</summary>
    public IReadOnlyList<string>? ModesDirectories { get; init; }

    /// <summary>The dialogue database, or null for <c>DialogueService.DefaultDatabasePath()</c>.</summary>
    public string? DialogueDatabasePath { get; init; }

    /// <summary>True (default) trains the word-completion model on the roots in the background after <c>initialized</c>.</summary>
    public bool TrainCompletionModel { get; init; } = true;
}
