import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_SETTINGS, toServerSettings } from "../../src/settings";

const reader = (values: Record<string, unknown>) => (key: string) => values[key];

test("no settings give the contract's defaults", () => {
  assert.deepEqual(toServerSettings(reader({})), DEFAULT_SETTINGS);
  assert.deepEqual(DEFAULT_SETTINGS, {
    inlineCompletion: { enabled: true, debounceMs: 150 },
    completion: { enabled: true },
    review: { onSave: false },
    index: { lexicalOnly: false, autoUpdate: true, folders: [] },
    model: { name: null },
  });
});

test("every VS Code setting lands in its place in the server's shape", () => {
  const settings = toServerSettings(reader({
    "inlineCompletion.enabled": false,
    "inlineCompletion.debounceMs": 300,
    "completion.enabled": false,
    "review.onSave": true,
    "index.lexicalOnly": true,
    "index.autoUpdate": false,
    "index.folders": ["/abs/src", "lib", "./docs", "  "],
    model: " qwen-coder ",
  }), "/ws");
  assert.deepEqual(settings, {
    inlineCompletion: { enabled: false, debounceMs: 300 },
    completion: { enabled: false },
    review: { onSave: true },
    index: { lexicalOnly: true, autoUpdate: false, folders: ["/abs/src", "/ws/lib", "/ws/docs"] },
    model: { name: "qwen-coder" },
  });
});

test("values of the wrong type fall back to defaults and the debounce is clamped", () => {
  const settings = toServerSettings(reader({
    "inlineCompletion.enabled": "yes",
    "inlineCompletion.debounceMs": -20,
    "index.folders": "src",
    model: 42,
  }));
  assert.equal(settings.inlineCompletion.enabled, true);
  assert.equal(settings.inlineCompletion.debounceMs, 0);
  assert.deepEqual(settings.index.folders, []);
  assert.equal(settings.model.name, null);
  assert.equal(toServerSettings(reader({ "inlineCompletion.debounceMs": 99999.6 })).inlineCompletion.debounceMs, 5000);
  assert.equal(toServerSettings(reader({ "inlineCompletion.debounceMs": Number.NaN })).inlineCompletion.debounceMs, 150);
});
