// Markdown documents shown for Ask, Run Dialogue and Show Usage. Pure string builders.

/** One citation of an `engram.ask` answer (lines 1-based inclusive). */
export interface Citation {
  uri: string;
  path: string;
  startLine: number;
  endLine: number;
}

/** The `engram.ask` result. */
export interface AskResult {
  markdown: string;
  citations: Citation[];
  extractive: boolean;
}

/** The `engram.usage` result (US dollars). */
export interface UsageResult {
  todayCost: number;
  todayCalls: number;
  models: { model: string; calls: number; cost: number }[];
}

/**
 * Renders an answer: a heading with the question, the answer's markdown, then a numbered "Sources" list whose
 * links open the cited file at its first line (`file:///…#L12` links, which the Markdown preview opens in an
 * editor at that line). An extractive answer (no model) says so.
 */
export function renderAnswer(question: string, result: AskResult): string {
  const parts = [`# ${escapeHeading(question)}`, ""];
  if (result.extractive) {
    parts.push("> Extractive answer: the most relevant passages of the workspace (no model configured).", "");
  }
  parts.push(result.markdown.trim(), "");
  if (result.citations.length > 0) {
    parts.push("## Sources", "");
    result.citations.forEach((c, i) => {
      const lines = c.startLine === c.endLine ? `${c.startLine}` : `${c.startLine}-${c.endLine}`;
      parts.push(`${i + 1}. [${escapeLinkText(c.path)}:${lines}](${citationLink(c)})`);
    });
    parts.push("");
  }
  return parts.join("\n");
}

/** A link to the citation's first line: the URI with a `#L<line>` fragment (spaces and parentheses escaped). */
export function citationLink(c: Citation): string {
  const base = c.uri.split("#")[0];
  return `${base.replace(/ /g, "%20").replace(/\(/g, "%28").replace(/\)/g, "%29")}#L${Math.max(1, c.startLine)}`;
}

/** Renders usage as a table. */
export function renderUsage(usage: UsageResult): string {
  const rows = usage.models.map((m) => `| ${escapeCell(m.model)} | ${m.calls} | $${m.cost.toFixed(4)} |`);
  return [
    "# Engram usage today",
    "",
    `${usage.todayCalls} model call${usage.todayCalls === 1 ? "" : "s"}, $${usage.todayCost.toFixed(4)}.`,
    "",
    "| Model | Calls | Cost (USD) |",
    "| --- | ---: | ---: |",
    ...(rows.length > 0 ? rows : ["| (none) | 0 | $0.0000 |"]),
    "",
  ].join("\n");
}

/** Renders a dialogue result. */
export function renderDialogue(mode: string, topic: string, result: { id: string; status: string; markdown: string }): string {
  return [`# ${escapeHeading(`${mode}: ${topic}`)}`, "", `_Dialogue ${result.id} — ${result.status}_`, "", result.markdown.trim(), ""].join("\n");
}

function escapeHeading(s: string): string {
  return s.replace(/[\r\n]+/g, " ").trim();
}

function escapeLinkText(s: string): string {
  return s.replace(/([\[\]\\])/g, "\\$1");
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|");
}
