import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { DEFAULT_SETTINGS, toServerSettings } from "../../src/settings";

interface Property { default?: unknown; description?: string; markdownDescription?: string }
const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8"));
const properties: Record<string, Property> = manifest.contributes.configuration.properties;

test("every contributed setting has a description", () => {
  for (const [key, p] of Object.entries(properties)) {
    assert.ok((p.description ?? p.markdownDescription ?? "").length > 20, `${key} lacks a description`);
  }
});

test("the manifest's defaults map to the server's default settings", () => {
  const defaults = (key: string) => properties[`engram.${key}`]?.default;
  assert.deepEqual(toServerSettings(defaults), DEFAULT_SETTINGS);
  for (const key of ["path", "model", "inlineCompletion.enabled", "inlineCompletion.debounceMs", "completion.enabled",
    "review.onSave", "index.lexicalOnly", "index.autoUpdate", "index.folders", "trace.server"]) {
    assert.ok(`engram.${key}` in properties, `engram.${key} is contributed`);
  }
});

test("every command the extension registers is contributed with the Engram category, and ids avoid the server's", () => {
  const source = fs.readFileSync(path.resolve(__dirname, "../../../src/extension.ts"), "utf8");
  const registered = [...source.matchAll(/register\("([^"]+)"/g)].map((m) => m[1]).sort();
  const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(registered, contributed);
  for (const c of manifest.contributes.commands) {
    assert.equal(c.category, "Engram");
    assert.match(c.command, /^engram\.client\./, "vscode-languageclient registers the server's engram.* commands itself");
  }
  const titles = manifest.contributes.commands.map((c: { title: string }) => c.title);
  for (const t of ["Index Workspace", "Review Changes", "Explain Selection", "Generate Docs", "Ask", "Run Dialogue", "Show Usage", "Restart Server"]) {
    assert.ok(titles.includes(t), `${t} is contributed`);
  }
});

test("Workspace Trust: limited support, and the settings that run or read outside the folder are restricted", () => {
  const trust = manifest.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, "limited");
  assert.ok(trust.description.length > 40);
  assert.deepEqual([...trust.restrictedConfigurations].sort(), ["engram.index.folders", "engram.path"]);
  for (const key of trust.restrictedConfigurations) {
    assert.ok(key in properties, `${key} is contributed`);
  }
});
