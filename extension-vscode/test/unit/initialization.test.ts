import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import { DEFAULT_SETTINGS } from "../../src/settings";

// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.resolve(__dirname, "../../../test/stub/register.js"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vscode = require("vscode");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { initializationOptions, currentSettings, onTrustGranted } = require("../../src/initialization") as typeof import("../../src/initialization");

test("VS Code's Workspace Trust reaches the server in initializationOptions", () => {
  vscode.workspace.settings = { "engram.inlineCompletion.debounceMs": 40 };
  vscode.workspace.isTrusted = false;
  assert.deepEqual(initializationOptions(), {
    ...DEFAULT_SETTINGS,
    inlineCompletion: { enabled: true, debounceMs: 40 },
    workspaceTrusted: false,
  });
  vscode.workspace.isTrusted = true;
  assert.equal(initializationOptions().workspaceTrusted, true);
});

test("trust never travels in the engram section that workspace/configuration answers with", () => {
  vscode.workspace.isTrusted = true;
  vscode.workspace.settings = { "engram.workspaceTrusted": true };
  assert.equal("workspaceTrusted" in currentSettings(), false);
  vscode.workspace.isTrusted = false;
  assert.equal(initializationOptions().workspaceTrusted, false, "a setting named like the field changes nothing");
});

test("granting trust restarts the server, which then starts trusted", () => {
  vscode.workspace.isTrusted = false;
  vscode.workspace.settings = {};
  const seen: boolean[] = [];
  const subscription = onTrustGranted(() => seen.push(initializationOptions().workspaceTrusted));
  vscode.workspace._grantTrust();
  assert.deepEqual(seen, [true]);
  subscription.dispose();
  vscode.workspace._grantTrust();
  assert.deepEqual(seen, [true]);
});
