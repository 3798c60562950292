// What the extension sends as `initializationOptions` of `engram lsp`: the server settings (settings.ts) plus
// VS Code's Workspace Trust decision, which the server applies to the workspace's `.engram/engram.json` and
// `.engram/modes` for this session (docs/lsp.md, "Workspace trust").
import * as vscode from "vscode";
import { ServerSettings, toServerSettings } from "./settings";

/** The `initializationOptions` object: the settings and whether the user trusts this workspace in VS Code. */
export interface InitializationOptions extends ServerSettings {
  /** `vscode.workspace.isTrusted`: true lets the workspace's own Engram configuration add models and endpoints. */
  workspaceTrusted: boolean;
}

/** The current settings of the `engram` section, in the server's shape. */
export function currentSettings(): ServerSettings {
  const config = vscode.workspace.getConfiguration("engram");
  return toServerSettings((key) => config.get(key), vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
}

/**
 * The `initializationOptions` for a server started now. Trust travels only here, never in the `engram` section of
 * `workspace/configuration` (a workspace's settings files feed that section).
 */
export function initializationOptions(): InitializationOptions {
  return { ...currentSettings(), workspaceTrusted: vscode.workspace.isTrusted === true };
}

/**
 * Calls `restart` when the user grants trust to the workspace (VS Code only ever grants while running: revoking
 * reloads the window), so the server starts again with `workspaceTrusted: true`.
 */
export function onTrustGranted(restart: () => unknown): vscode.Disposable {
  return vscode.workspace.onDidGrantWorkspaceTrust(() => {
    void restart();
  });
}
