// The status bar item: created once, updated from StatusView values (see status.ts for the text).
import * as vscode from "vscode";
import { StatusView } from "./status";

/** The command a click on the item runs: a quick pick of Engram's commands. */
export const STATUS_COMMAND = "engram.client.showCommands";

/** Creates the item (right side, named "Engram", click opens the command quick pick) and shows it. */
export function createStatusItem(initial: StatusView): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem("engram.status", vscode.StatusBarAlignment.Right, 100);
  item.name = "Engram";
  item.command = STATUS_COMMAND;
  applyView(item, initial);
  item.show();
  return item;
}

/** Applies a view: text, tooltip, and the error background when `view.error`. */
export function applyView(item: vscode.StatusBarItem, view: StatusView): void {
  item.text = view.text;
  item.tooltip = view.tooltip;
  item.backgroundColor = view.error ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
}
