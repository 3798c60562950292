using Engram.Features.Hosting;

namespace Engram.Features.Dialogue;

/// <summary>How a dialogue ended (or that it has not).</summary>
public enum DialogueStatus
{
    /// <summary>Turns remain; <see cref="DialogueService.ResumeAsync"/> continues it.</summary>
    Running,
    /// <summary>Every turn ran.</summary>
    Completed,
    /// <summary>Successive positions became similar enough to stop early.</summary>
    Converged,
    /// <summary>The dialogue's cost limit was reached; no turn overspent it.</summary>
    CostLimited,
    /// <summary>A turn failed with every participant and fallback.</summary>
    Failed,
}

/// <summary>Options of a dialogue run.</summary>
/// <param name="Models">Model names to use as participants (in turn order), or null for capability routing.</param>
/// <param name="MaxCost">Cost limit in USD for the whole dialogue, or null for the configured budgets only.</param>
public sealed record DialogueOptions(IReadOnlyList<string>? Models = null, decimal? MaxCost = null);

/// <summary>Summary of a stored dialogue.</summary>
/// <param name="Id">Dialogue id (a ULID-like sortable string).</param>
/// <param name="Mode">Mode name.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Status">Current status.</param>
/// <param name="Turns">Completed turns.</param>
/// <param name="Cost">Cost so far in USD.</param>
/// <param name="Created">When it started (UTC).</param>
public sealed record DialogueSummary(string Id, string Mode, string Topic, DialogueStatus Status, int Turns, decimal Cost, DateTimeOffset Created);

/// <summary>
/// Runs declarative multi-model dialogues (<c>modes/*.json</c>) through the router, persisting each completed turn to
/// SQLite so a dialogue can be resumed after a crash. Used by <c>engram dialogue</c>, the LSP and the MCP tools.
/// </summary>
public sealed class DialogueService
{
    /// <summary>Creates the service.</summary>
    /// <param name="models">Configuration, router and ledger.</param>
    /// <param name="modesDirectories">Folders searched for <c>*.json</c> modes, later ones overriding earlier ones by name.</param>
    /// <param name="databasePath">The dialogue database (created when missing).</param>
    /// <param name="workspace">The engram memory for turns that request workspace context, or null.</param>
    public DialogueService(EngramModels models, IReadOnlyList<string> modesDirectories, string databasePath, EngramWorkspace? workspace) =>
        throw new NotImplementedException();

    /// <summary>Names and descriptions of the available modes, sorted by name.</summary>
    public IReadOnlyList<(string Name, string Description)> ListModes() => throw new NotImplementedException();

    /// <summary>Starts and runs a dialogue to its end; returns its summary.</summary>
    /// <exception cref="ArgumentException">Unknown mode (the message lists the known ones) or empty topic.</exception>
    public Task<DialogueSummary> RunAsync(string mode, string topic, DialogueOptions? options = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Continues a dialogue from its last completed turn.</summary>
    /// <exception cref="KeyNotFoundException">No dialogue has that id.</exception>
    public Task<DialogueSummary> ResumeAsync(string id, IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Stored dialogues, newest first.</summary>
    public IReadOnlyList<DialogueSummary> List() => throw new NotImplementedException();

    /// <summary>The transcript of a dialogue as <c>markdown</c> or <c>json</c>.</summary>
    /// <exception cref="KeyNotFoundException">No dialogue has that id.</exception>
    /// <exception cref="ArgumentException">Unknown format.</exception>
    public string Export(string id, string format) => throw new NotImplementedException();

    /// <summary>The default dialogue database: <c>$XDG_DATA_HOME/engram/dialogues.db</c>.</summary>
    public static string DefaultDatabasePath() => Path.Combine(EngramModels.DataDirectory(), "dialogues.db");
}
