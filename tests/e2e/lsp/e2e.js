// End-to-end test of `engram lsp` with the real vscode-languageserver-protocol client.
// Usage: node e2e.js <path of engram.dll> <path of stories260K.gguf>
// Prints one JSON line with what was checked; exits 0 when every check passed, 1 otherwise.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { PassThrough } = require('node:stream');
const { pathToFileURL } = require('node:url');
const rpc = require('vscode-languageserver-protocol/node');

const [engramDll, modelPath] = process.argv.slice(2);
if (!engramDll || !modelPath) {
  console.error('usage: node e2e.js ENGRAM_DLL STORIES_GGUF');
  process.exit(2);
}

function assert(condition, message) {
  if (!condition) throw new Error('assertion failed: ' + message);
}

// An OpenAI-compatible chat endpoint on loopback: review prompts get one finding, others get code.
function startFakeModel() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      const request = JSON.parse(body);
      const prompt = request.messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
      const content = prompt.includes('"findings"')
        ? JSON.stringify({ findings: [{ path: 'src/Calc.cs', startLine: 3, endLine: 3, severity: 'warning', code: 'wrong-operator',
            message: 'Add subtracts its operands.', suggestedFix: '    public static int Add(int a, int b) => a + b;\n' }] })
        : 'return 0;';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30 } }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Every byte of stdout must belong to a Content-Length frame holding one JSON-RPC object.
function parseFrames(buffer) {
  const frames = [];
  let offset = 0;
  while (offset < buffer.length) {
    const end = buffer.indexOf('\r\n\r\n', offset, 'ascii');
    assert(end >= 0, `bytes outside a frame at offset ${offset}: ${JSON.stringify(buffer.subarray(offset, offset + 40).toString())}`);
    const header = buffer.subarray(offset, end).toString('ascii');
    const match = /^Content-Length: (\d+)(\r\nContent-Type: [^\r\n]+)?$/.exec(header);
    assert(match, `malformed header ${JSON.stringify(header)}`);
    const length = Number(match[1]);
    const body = buffer.subarray(end + 4, end + 4 + length);
    assert(body.length === length, 'truncated frame');
    const message = JSON.parse(body.toString('utf8'));
    assert(message.jsonrpc === '2.0', 'frame without jsonrpc 2.0');
    frames.push(message);
    offset = end + 4 + length;
  }
  return frames;
}

async function main() {
  const checks = [];
  const fake = await startFakeModel();
  const port = fake.address().port;
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'engram-lsp-e2e-'));
  const root = path.join(temp, 'ws');
  fs.mkdirSync(path.join(root, 'src'), { recursive: true });
  fs.mkdirSync(path.join(root, '.engram'), { recursive: true });
  const calc = 'public static class Calc\n{\n    public static int Add(int a, int b) => a - b;\n}\n';
  fs.writeFileSync(path.join(root, 'src', 'Calc.cs'), calc);
  fs.writeFileSync(path.join(root, 'src', 'Orders.cs'),
    'public class Orders\n{\n    public void PlaceOrder(Order order) => repository.SaveOrder(order);\n    public void CancelOrder(Order order) => repository.DeleteOrder(order);\n}\n');
  // The models are the user's (a workspace's own .engram/engram.json may only narrow them unless trusted).
  fs.mkdirSync(path.join(temp, 'config', 'engram'), { recursive: true });
  fs.writeFileSync(path.join(temp, 'config', 'engram', 'engram.json'), JSON.stringify({
    models: [
      { name: 'stories', provider: 'local-gguf', path: modelPath, capabilities: ['fim', 'completion'], contextWindow: 256, latencyClass: 'fast' },
      { name: 'loopback', provider: 'openai', endpoint: `http://127.0.0.1:${port}/v1`, path: 'fake-model', capabilities: ['chat', 'code', 'review'] },
    ],
  }));

  const env = { ...process.env, XDG_CONFIG_HOME: path.join(temp, 'config'), XDG_DATA_HOME: path.join(temp, 'data'), XDG_CACHE_HOME: path.join(temp, 'cache') };
  const child = spawn('dotnet', [engramDll, 'lsp', '--stdio', '--lexical-only', '--index-dir', path.join(temp, 'index'), '--log-level', 'Warning'],
    { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const raw = [];
  const stdout = new PassThrough();
  child.stdout.on('data', (chunk) => raw.push(chunk));
  child.stdout.pipe(stdout);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));

  const connection = rpc.createProtocolConnection(new rpc.StreamMessageReader(stdout), new rpc.StreamMessageWriter(child.stdin));
  const notifications = [];
  const waiters = [];
  const record = (method) => (params) => {
    notifications.push({ method, params });
    for (const w of [...waiters]) {
      if (w.method === method && w.predicate(params)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(params);
      }
    }
  };
  const waitFor = (method, predicate = () => true, ms = 60000) => {
    const found = notifications.find((n) => n.method === method && predicate(n.params));
    if (found) return Promise.resolve(found.params);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${ms} ms`)), ms);
      waiters.push({ method, predicate, resolve: (p) => { clearTimeout(timer); resolve(p); } });
    });
  };
  for (const method of ['window/logMessage', 'window/showMessage', '$/progress', 'textDocument/publishDiagnostics', 'engram/status']) {
    connection.onNotification(method, record(method));
  }
  const applied = [];
  connection.onRequest('workspace/applyEdit', (params) => { applied.push(params); return { applied: true }; });
  connection.onRequest('workspace/configuration', (params) => params.items.map(() => ({ inlineCompletion: { debounceMs: 0 } })));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.listen();

  try {
    const rootUri = pathToFileURL(root).href;
    const init = await connection.sendRequest('initialize', {
      processId: process.pid,
      clientInfo: { name: 'vscode-languageserver-protocol e2e' },
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'ws' }],
      capabilities: {
        general: { positionEncodings: ['utf-16'] },
        workspace: { applyEdit: true, configuration: true, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
        window: { workDoneProgress: true },
        textDocument: { inlineCompletion: { dynamicRegistration: false } },
      },
      initializationOptions: { inlineCompletion: { debounceMs: 0 } },
    });
    assert(init.capabilities.positionEncoding === 'utf-16', 'utf-16 negotiated');
    assert(init.capabilities.inlineCompletionProvider === true, 'inline completion advertised');
    checks.push('initialize');
    connection.sendNotification('initialized', {});
    await waitFor('engram/status', (p) => p.index.state === 'ready');
    checks.push('indexed');

    // Completion after incremental edits with emoji and CJK (UTF-16 positions).
    const scratch = pathToFileURL(path.join(root, 'src', 'Scratch.cs')).href;
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri: scratch, languageId: 'csharp', version: 1, text: '// 😀 日本語\n' } });
    connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: scratch, version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: 'var x = 1; // 😀😀 repository.Sav' }],
    });
    let completion;
    for (let i = 0; i < 100; i++) {
      completion = await connection.sendRequest('textDocument/completion', { textDocument: { uri: scratch }, position: { line: 1, character: 33 } });
      if (completion.items.some((item) => item.label === 'SaveOrder')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const save = completion.items.find((item) => item.label === 'SaveOrder');
    assert(save, 'SaveOrder suggested: ' + JSON.stringify(completion.items.map((i) => i.label)));
    assert(JSON.stringify(save.textEdit.range) === JSON.stringify({ start: { line: 1, character: 30 }, end: { line: 1, character: 33 } }), 'completion range in UTF-16: ' + JSON.stringify(save.textEdit.range));
    checks.push('completion');

    // Inline completion with the real stories260K model.
    const story = pathToFileURL(path.join(root, 'story.txt')).href;
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri: story, languageId: 'plaintext', version: 1, text: 'Once upon a time, there was a little' } });
    const inline = await connection.sendRequest('textDocument/inlineCompletion', {
      textDocument: { uri: story }, position: { line: 0, character: 36 }, context: { triggerKind: 1 },
    });
    assert(Array.isArray(inline.items) && inline.items.length === 1, 'one inline item: ' + JSON.stringify(inline));
    assert(typeof inline.items[0].insertText === 'string' && inline.items[0].insertText.length > 0, 'inline text');
    assert(inline.items[0].range.start.line === 0 && inline.items[0].range.start.character === 36, 'inline range at the caret');
    checks.push('inlineCompletion');

    // Review diagnostics from the loopback model, then the quick fix's edit.
    const calcUri = pathToFileURL(path.join(root, 'src', 'Calc.cs')).href;
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri: calcUri, languageId: 'csharp', version: 1, text: calc } });
    const review = await connection.sendRequest('workspace/executeCommand', {
      command: 'engram.reviewRange', arguments: [calcUri, { start: { line: 0, character: 0 }, end: { line: 4, character: 0 } }],
    });
    assert(review.findings === 1, 'one finding: ' + JSON.stringify(review));
    const published = await waitFor('textDocument/publishDiagnostics', (p) => p.uri === calcUri && p.diagnostics.length === 1);
    const diagnostic = published.diagnostics[0];
    assert(diagnostic.source === 'engram' && diagnostic.severity === 2 && diagnostic.code === 'wrong-operator', 'diagnostic fields');
    checks.push('reviewDiagnostics');
    const actions = await connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: calcUri }, range: diagnostic.range, context: { diagnostics: [diagnostic] },
    });
    const fix = actions.find((a) => a.kind === 'quickfix');
    assert(fix && fix.edit.changes[calcUri][0].newText === '    public static int Add(int a, int b) => a + b;\n', 'quick fix edit');
    checks.push('codeActionEdit');

    const status = await connection.sendRequest('workspace/executeCommand', { command: 'engram.usage', arguments: [] });
    assert(status.todayCalls >= 1, 'usage recorded');
    checks.push('usage');

    await connection.sendRequest('shutdown');
    connection.sendNotification('exit');
    const code = await exited;
    assert(code === 0, `exit code 0 after shutdown, got ${code}`);
    checks.push('shutdownExit');

    const frames = parseFrames(Buffer.concat(raw));
    assert(frames.length > 5, 'frames parsed');
    checks.push('wireDiscipline');
    console.log(JSON.stringify({ ok: true, checks, frames: frames.length }));
    return 0;
  } catch (error) {
    console.log(JSON.stringify({ ok: false, checks, error: String(error && error.stack || error), stderr: stderr.slice(-4000) }));
    child.kill('SIGKILL');
    return 1;
  } finally {
    connection.dispose();
    fake.close();
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (error) => { console.error(error); process.exit(1); });
