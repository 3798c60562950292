// Status bar text for the `engram/status` notification. Pure: the extension applies the result to a
// StatusBarItem.

/** The `engram/status` notification's params (LSP extension contract). */
export interface EngramStatus {
  index: { state: "none" | "indexing" | "ready" | "error"; files: number; chunks: number; message?: string };
  model: { name: string | null; local: boolean };
  costToday: number;
}

/** What the status bar item shows. `text` may hold `$(icon)` codicons. */
export interface StatusView {
  text: string;
  tooltip: string;
  /** True when the item should use the error background. */
  error: boolean;
}

/** The view before the server has said anything, or while it starts. */
export const STARTING_VIEW: StatusView = { text: "$(loading~spin) Engram", tooltip: "Engram: starting the language server…", error: false };

/** The view when the server could not be started or stopped. */
export function stoppedView(reason: string): StatusView {
  return { text: "$(error) Engram", tooltip: `Engram: server not running. ${reason}\nClick for commands.`, error: true };
}

/**
 * Formats the status: `<index> · <model> · $<cost>`. Index: `$(sync~spin) indexing N files`, `$(database) N files`,
 * `$(circle-slash) not indexed`, `$(error) index error`. Model: `local <name>`, `cloud <name>` or `no model`.
 * Cost: US dollars today, two decimals (four below one cent, so that small local costs are visible).
 * An optional progress percentage (from $/progress) is shown while indexing.
 */
export function formatStatus(status: EngramStatus, progressPercent?: number): StatusView {
  const files = status.index.files;
  const filesText = `${files} file${files === 1 ? "" : "s"}`;
  let index: string;
  switch (status.index.state) {
    case "indexing":
      index = progressPercent !== undefined ? `$(sync~spin) indexing ${Math.round(progressPercent)}%` : `$(sync~spin) indexing ${filesText}`;
      break;
    case "ready":
      index = `$(database) ${filesText}`;
      break;
    case "error":
      index = "$(error) index error";
      break;
    default:
      index = "$(circle-slash) not indexed";
      break;
  }
  const model = status.model.name === null ? "no model" : `${status.model.local ? "local" : "cloud"} ${status.model.name}`;
  const cost = formatCost(status.costToday);
  const text = `${index} · ${model} · ${cost}`;

  const lines = [
    "Engram",
    `Index: ${status.index.state} — ${filesText}, ${status.index.chunks} chunks${status.index.message ? ` (${status.index.message})` : ""}`,
    `Model: ${status.model.name === null ? "none configured (see `engram models list`)" : `${status.model.name} (${status.model.local ? "local" : "cloud"})`}`,
    `Cost today: ${cost}`,
    "Click for Engram commands.",
  ];
  return { text, tooltip: lines.join("\n"), error: status.index.state === "error" };
}

/** `$0.00`, or `$0.0042` below a cent but above zero. Negative or non-finite values show as `$0.00`. */
export function formatCost(usd: number): string {
  if (!Number.isFinite(usd) || usd <= 0) {
    return "$0.00";
  }
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** Type guard for the notification's params; anything else is ignored (logged) rather than crashing the UI. */
export function isEngramStatus(value: unknown): value is EngramStatus {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  const index = v.index as Record<string, unknown> | undefined;
  const model = v.model as Record<string, unknown> | undefined;
  return (
    typeof index === "object" && index !== null &&
    typeof index.state === "string" && typeof index.files === "number" && typeof index.chunks === "number" &&
    typeof model === "object" && model !== null &&
    (model.name === null || typeof model.name === "string") && typeof model.local === "boolean" &&
    typeof v.costToday === "number"
  );
}
