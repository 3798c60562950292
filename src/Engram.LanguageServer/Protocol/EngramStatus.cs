using System.Text.Json.Serialization;

namespace Engram.LanguageServer.Protocol;

/// <summary>The <c>engram/status</c> notification (and <c>engram.status</c> result): see docs/lsp.md.</summary>
internal sealed record EngramStatus(EngramIndexStatus Index, EngramModelStatus Model, decimal CostToday);

/// <summary><c>state</c> is none, indexing, ready or error; <c>message</c> explains an error.</summary>
internal sealed record EngramIndexStatus(string State, int Files, int Chunks, string? Message);

/// <summary>The model that serves inline completion (else code actions); <c>name</c> is null when none is configured.</summary>
internal sealed record EngramModelStatus([property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Name, bool Local);
