import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import { EngramStatus, formatCost, formatStatus, isEngramStatus, STARTING_VIEW, stoppedView } from "../../src/status";

// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.resolve(__dirname, "../../../test/stub/register.js"));

const status = (overrides: Partial<EngramStatus> = {}): EngramStatus => ({
  index: { state: "ready", files: 120, chunks: 900 },
  model: { name: "stories260K", local: true },
  costToday: 0,
  ...overrides,
});

test("ready index, local model, no cost", () => {
  const view = formatStatus(status());
  assert.equal(view.text, "$(database) 120 files · local stories260K · $0.00");
  assert.equal(view.error, false);
  assert.match(view.tooltip, /Index: ready — 120 files, 900 chunks/);
  assert.match(view.tooltip, /Model: stories260K \(local\)/);
});

test("indexing shows the spinner, then a percentage when progress is known", () => {
  const s = status({ index: { state: "indexing", files: 1, chunks: 3 } });
  assert.equal(formatStatus(s).text, "$(sync~spin) indexing 1 file · local stories260K · $0.00");
  assert.equal(formatStatus(s, 42.4).text, "$(sync~spin) indexing 42% · local stories260K · $0.00");
});

test("cloud model and today's cost", () => {
  const view = formatStatus(status({ model: { name: "gpt-4.1-mini", local: false }, costToday: 1.234 }));
  assert.equal(view.text, "$(database) 120 files · cloud gpt-4.1-mini · $1.23");
});

test("no index, no model", () => {
  const view = formatStatus(status({ index: { state: "none", files: 0, chunks: 0 }, model: { name: null, local: false } }));
  assert.equal(view.text, "$(circle-slash) not indexed · no model · $0.00");
  assert.match(view.tooltip, /none configured/);
});

test("an index error is shown with the error background and its message", () => {
  const view = formatStatus(status({ index: { state: "error", files: 0, chunks: 0, message: "disk full" } }));
  assert.equal(view.text, "$(error) index error · local stories260K · $0.00");
  assert.equal(view.error, true);
  assert.match(view.tooltip, /disk full/);
});

test("cost formatting", () => {
  assert.equal(formatCost(0), "$0.00");
  assert.equal(formatCost(0.0042), "$0.0042");
  assert.equal(formatCost(12.5), "$12.50");
  assert.equal(formatCost(-1), "$0.00");
  assert.equal(formatCost(Number.NaN), "$0.00");
});

test("the notification guard accepts the contract's shape and rejects others", () => {
  assert.equal(isEngramStatus(status()), true);
  assert.equal(isEngramStatus({ index: { state: "ready", files: 1, chunks: 1 }, model: { name: null, local: false }, costToday: 0 }), true);
  assert.equal(isEngramStatus({ index: { state: "ready" }, model: { name: null, local: false }, costToday: 0 }), false);
  assert.equal(isEngramStatus(null), false);
  assert.equal(isEngramStatus({ index: { state: "ready", files: 1, chunks: 1 }, model: { name: 3, local: false }, costToday: 0 }), false);
});

test("the status bar item (vscode stubbed): created on the right, named, clickable, error background", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vscode = require("vscode");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createStatusItem, applyView, STATUS_COMMAND } = require("../../src/statusItem") as typeof import("../../src/statusItem");
  const item = createStatusItem(STARTING_VIEW) as unknown as Record<string, unknown>;
  assert.equal(vscode._created.length, 1);
  assert.equal(item.alignment, vscode.StatusBarAlignment.Right);
  assert.equal(item.name, "Engram");
  assert.equal(item.command, STATUS_COMMAND);
  assert.equal(item.command, "engram.client.showCommands");
  assert.equal(item.visible, true);
  assert.equal(item.text, "$(loading~spin) Engram");
  applyView(item as never, stoppedView("engram not found."));
  assert.equal((item.backgroundColor as { id: string }).id, "statusBarItem.errorBackground");
  assert.match(item.tooltip as string, /engram not found/);
  applyView(item as never, formatStatus(status()));
  assert.equal(item.backgroundColor, undefined);
  assert.equal(item.text, "$(database) 120 files · local stories260K · $0.00");
});
