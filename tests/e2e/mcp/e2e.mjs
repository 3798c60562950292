// End-to-end test of `engram mcp` with the official MCP TypeScript SDK client, over stdio and Streamable HTTP.
// Usage: node e2e.mjs ENGRAM_DLL WORKSPACE_ROOT INDEX_DIR
// Prints one JSON line per transport and exits non-zero on the first failed check.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [dll, root, indexDir] = process.argv.slice(2);
if (!dll || !root || !indexDir) {
  console.error("usage: node e2e.mjs ENGRAM_DLL WORKSPACE_ROOT INDEX_DIR");
  process.exit(2);
}

const TOOLS = [
  "dialogue_get", "dialogue_list", "dialogue_resume", "dialogue_run", "explain", "generate_docs", "index_status",
  "index_update", "models_status", "read_code", "related", "research", "review_changes", "search_code", "usage",
];

function json(result) {
  assert.notEqual(result.isError, true, `tool failed: ${result.content?.[0]?.text}`);
  return JSON.parse(result.content[0].text);
}

async function exercise(client, label) {
  const tools = await client.listTools();
  assert.deepEqual(tools.tools.map((t) => t.name).sort(), TOOLS);
  for (const tool of tools.tools) {
    assert.ok(tool.description.length > 20, `${tool.name} has a description`);
  }

  const progress = [];
  const update = json(await client.callTool({ name: "index_update", arguments: {} }, undefined, {
    onprogress: (p) => progress.push(p),
  }));
  assert.equal(update.roots[0].files, 4);

  const search = json(await client.callTool({ name: "search_code", arguments: { query: "ComputeTotal tax", top: 3 } }));
  assert.equal(search.hits[0].path, "src/Billing/InvoiceCalculator.cs");
  assert.equal(search.hits[0].symbol, "ComputeTotal");
  assert.equal(typeof search.hits[0].stale, "boolean");

  const read = json(await client.callTool({ name: "read_code", arguments: { path: "web/cart.ts", start_line: 1, end_line: 1 } }));
  assert.equal(read.text, "export function cartTotal(items: { price: number; qty: number }[]): number {\n");

  const escape = await client.callTool({ name: "read_code", arguments: { path: "../../etc/passwd", start_line: 1, end_line: 1 } });
  assert.equal(escape.isError, true);
  assert.match(escape.content[0].text, /'\.\.' segments are not allowed/);

  const research = json(await client.callTool({ name: "research", arguments: { question: "how are amounts rounded to cents" } }));
  assert.equal(research.extractive, true);
  assert.ok(research.citations.length > 0);

  const review = await client.callTool({ name: "review_changes", arguments: {} });
  assert.equal(review.isError, true);
  assert.match(review.content[0].text, /No model is configured/);

  const prompts = await client.listPrompts();
  assert.ok(prompts.prompts.some((p) => p.name === "dialogue-debate"));
  const prompt = await client.getPrompt({ name: "research", arguments: { question: "Where is tax applied?" } });
  assert.match(prompt.messages[0].content.text, /Where is tax applied\?/);

  const status = await client.readResource({ uri: "engram://index/status" });
  assert.equal(JSON.parse(status.contents[0].text).roots[0].indexed, true);
  const mode = await client.readResource({ uri: "engram://modes/critique" });
  assert.equal(JSON.parse(mode.contents[0].text).name, "critique");

  const completion = await client.complete({ ref: { type: "ref/resource", uri: "engram://modes/{name}" }, argument: { name: "name", value: "de" } });
  assert.deepEqual(completion.completion.values, ["debate", "detective"]);

  console.log(JSON.stringify({ transport: label, ok: true, progressNotifications: progress.length, hits: search.hits.length }));
}

async function stdio() {
  const transport = new StdioClientTransport({
    command: "dotnet",
    args: [dll, "mcp", "--root", root, "--index-dir", indexDir, "--lexical-only", "--no-index"],
    stderr: "pipe",
  });
  const client = new Client({ name: "engram-e2e", version: "1.0.0" });
  await client.connect(transport);
  try {
    await exercise(client, "stdio");
  } finally {
    await client.close();
  }
}

async function http() {
  const token = "e2e-" + Math.random().toString(36).slice(2);
  const child = spawn("dotnet", [dll, "mcp", "--http", "127.0.0.1:0", "--root", root, "--index-dir", indexDir, "--lexical-only", "--no-index"], {
    env: { ...process.env, ENGRAM_MCP_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  try {
    const url = await new Promise((resolve, reject) => {
      let stderr = "";
      const timer = setTimeout(() => reject(new Error("server did not start: " + stderr)), 60000);
      child.stderr.on("data", (d) => {
        stderr += d;
        const match = /listening on (http:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          assert.ok(!stderr.includes(token), "the token from ENGRAM_MCP_TOKEN is never printed");
          resolve(new URL(match[1]));
        }
      });
      child.on("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
    });

    const unauthorized = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(unauthorized.status, 401);

    const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    const client = new Client({ name: "engram-e2e-http", version: "1.0.0" });
    await client.connect(transport);
    try {
      await exercise(client, "http");
    } finally {
      await client.close();
    }

    assert.equal(stdout, "", "nothing on stdout in HTTP mode");
  } finally {
    const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
    await exited;
    clearTimeout(timer);
  }
}

try {
  await stdio();
  await http();
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
