// The Engram VS Code extension: starts `engram lsp --stdio` through vscode-languageclient and adds the
// commands, status bar item and output channel around it.
//
// Command ids are `engram.client.*` because vscode-languageclient registers every server command
// (`engram.ask`, `engram.index`, …, from executeCommandProvider) as a VS Code command of the same id; code
// actions from the server run those directly.
import * as fs from "fs";
import * as os from "os";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from "vscode-languageclient/node";
import { ConfiguredPathError, findServerCommand, INSTALL_COMMAND, ServerCommand } from "./discovery";
import { AskResult, renderAnswer, renderDialogue, renderUsage, UsageResult } from "./markdown";
import { currentSettings, initializationOptions, onTrustGranted } from "./initialization";
import { applyView as applyViewTo, createStatusItem } from "./statusItem";
import { EngramStatus, formatStatus, isEngramStatus, STARTING_VIEW, stoppedView, StatusView } from "./status";

let client: LanguageClient | undefined;
let statusItem: vscode.StatusBarItem;
let output: vscode.LogOutputChannel;
let lastStatus: EngramStatus | undefined;
let docsFolder: vscode.Uri;

/** Commands offered by the status bar quick pick, in order. */
const MENU: { id: string; label: string; detail: string }[] = [
  { id: "engram.client.index", label: "$(database) Index Workspace", detail: "Build or update the workspace memory" },
  { id: "engram.client.reviewChanges", label: "$(checklist) Review Changes", detail: "Review the working tree against HEAD; findings go to Problems" },
  { id: "engram.client.explainSelection", label: "$(question) Explain Selection", detail: "Explain the selected code" },
  { id: "engram.client.generateDocs", label: "$(book) Generate Docs", detail: "Write a doc comment for the symbol at the cursor" },
  { id: "engram.client.ask", label: "$(comment-discussion) Ask", detail: "Ask a question about the workspace" },
  { id: "engram.client.runDialogue", label: "$(organization) Run Dialogue", detail: "Run a multi-model dialogue mode" },
  { id: "engram.client.showUsage", label: "$(graph) Show Usage", detail: "Model calls and cost today" },
  { id: "engram.client.restartServer", label: "$(debug-restart) Restart Server", detail: "Stop and start engram lsp" },
  { id: "engram.client.showLog", label: "$(output) Show Server Log", detail: "The Engram output channel" },
];

/** Extension entry point. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Engram", { log: true });
  statusItem = createStatusItem(STARTING_VIEW);
  docsFolder = vscode.Uri.joinPath(context.globalStorageUri, "answers");
  context.subscriptions.push(output, statusItem);

  const register = (id: string, fn: (...args: unknown[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        reportError(id, err);
        return undefined;
      }
    }));
  };
  register("engram.client.showCommands", showCommands);
  register("engram.client.index", indexWorkspace);
  register("engram.client.reviewChanges", reviewChanges);
  register("engram.client.explainSelection", explainSelection);
  register("engram.client.generateDocs", generateDocs);
  register("engram.client.ask", ask);
  register("engram.client.runDialogue", runDialogue);
  register("engram.client.showUsage", showUsage);
  register("engram.client.restartServer", restartServer);
  register("engram.client.showLog", () => output.show(true));

  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(async (e) => {
    if (e.affectsConfiguration("engram.path")) {
      await restartServer();
    }
  }));
  // Trusting the folder lets its .engram/engram.json configure models: the server learns it at start.
  context.subscriptions.push(onTrustGranted(restartServer));

  await startServer();
}

/** Extension exit point: stops the server (the client kills it if it does not exit in 2 s). */
export async function deactivate(): Promise<void> {
  if (client !== undefined) {
    const c = client;
    client = undefined;
    await c.stop(2000).catch(() => undefined);
  }
}

function resolveServer(): ServerCommand | undefined {
  const config = vscode.workspace.getConfiguration("engram");
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return findServerCommand({
    configuredPath: config.get<string>("path") ?? "",
    envPath: process.env.PATH,
    home: os.homedir(),
    workspaceFolder: folder,
    platform: process.platform,
    isFile: (p) => {
      try {
        return fs.statSync(p).isFile();
      } catch {
        return false;
      }
    },
  });
}

async function startServer(): Promise<void> {
  let server: ServerCommand | undefined;
  try {
    server = resolveServer();
  } catch (err) {
    if (err instanceof ConfiguredPathError) {
      applyView(stoppedView(err.message));
      output.appendLine(err.message);
      const choice = await vscode.window.showErrorMessage(err.message, "Open Settings");
      if (choice === "Open Settings") {
        await vscode.commands.executeCommand("workbench.action.openSettings", "engram.path");
      }
      return;
    }
    throw err;
  }
  if (server === undefined) {
    const message = `The engram executable was not found on PATH. Install it with \`${INSTALL_COMMAND}\` or set engram.path.`;
    applyView(stoppedView("engram not found."));
    output.appendLine(message);
    void offerInstall(message);
    return;
  }
  output.appendLine(`Starting ${server.command} ${server.args.join(" ")} (from ${server.source})`);

  const serverOptions: ServerOptions = {
    run: { command: server.command, args: server.args, options: { env: process.env } },
    debug: { command: server.command, args: [...server.args, "--log-level", "Debug"], options: { env: process.env } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
    outputChannel: output,
    initializationOptions: initializationOptions(),
    synchronize: { configurationSection: "engram" },
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => ({ action: CloseAction.DoNotRestart, message: "The Engram server stopped. Run \"Engram: Restart Server\" to start it again; its log is in the Engram output channel." }),
    },
    middleware: {
      workspace: {
        // The server asks for the `engram` section: answer with the contract's shape rather than VS Code's raw tree.
        configuration: async (params, token, next) => {
          const raw = await next(params, token);
          if (!Array.isArray(raw)) {
            return raw;
          }
          return params.items.map((item, i) => (item.section === "engram" ? currentSettings() : raw[i]));
        },
      },
    },
  };

  const c = new LanguageClient("engram", "Engram", serverOptions, clientOptions);
  // Inline completion is a proposed feature in some vscode-languageclient versions; this registers it (and
  // other proposed features) so that the server's inlineCompletionProvider is used.
  c.registerProposedFeatures();
  c.onDidChangeState((e) => {
    if (e.newState === State.Stopped) {
      applyView(stoppedView("See the Engram output channel."));
    } else if (e.newState === State.Starting) {
      applyView(STARTING_VIEW);
    }
  });
  client = c;
  try {
    await c.start();
  } catch (err) {
    applyView(stoppedView(String(err instanceof Error ? err.message : err)));
    output.appendLine(`The server failed to start: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  c.onNotification("engram/status", (params: unknown) => {
    if (isEngramStatus(params)) {
      lastStatus = params;
      applyView(formatStatus(params));
    } else {
      output.appendLine(`Ignored a malformed engram/status notification: ${JSON.stringify(params)}`);
    }
  });
  // The first notification may have been sent before the handler was attached: ask once.
  try {
    const status = await c.sendRequest<unknown>("workspace/executeCommand", { command: "engram.status", arguments: [] });
    if (isEngramStatus(status)) {
      lastStatus = status;
      applyView(formatStatus(status));
    } else if (lastStatus === undefined) {
      applyView({ text: "$(check) Engram", tooltip: "Engram: server running.\nClick for commands.", error: false });
    }
  } catch (err) {
    output.appendLine(`engram.status failed: ${err instanceof Error ? err.message : String(err)}`);
    applyView({ text: "$(check) Engram", tooltip: "Engram: server running.\nClick for commands.", error: false });
  }
}

async function offerInstall(message: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(message, "Install with dotnet", "Set engram.path");
  if (choice === "Install with dotnet") {
    const terminal = vscode.window.createTerminal("Engram install");
    terminal.show();
    terminal.sendText(INSTALL_COMMAND);
    const after = await vscode.window.showInformationMessage("When the install has finished, restart the Engram server.", "Restart Server");
    if (after === "Restart Server") {
      await restartServer();
    }
  } else if (choice === "Set engram.path") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "engram.path");
  }
}

async function restartServer(): Promise<void> {
  if (client !== undefined) {
    const c = client;
    client = undefined;
    await c.stop(2000).catch((err) => output.appendLine(`Stopping the server: ${String(err)}`));
  }
  await startServer();
}

function applyView(view: StatusView): void {
  applyViewTo(statusItem, view);
}

async function showCommands(): Promise<void> {
  const pick = await vscode.window.showQuickPick(
    MENU.map((m) => ({ label: m.label, detail: m.detail, id: m.id })),
    { title: "Engram", placeHolder: statusItem.text.replace(/\$\([^)]*\)\s?/g, "") },
  );
  if (pick !== undefined) {
    await vscode.commands.executeCommand(pick.id);
  }
}

function runningClient(): LanguageClient {
  if (client === undefined || !client.isRunning()) {
    throw new Error("The Engram server is not running. Run \"Engram: Restart Server\"; its log is in the Engram output channel.");
  }
  return client;
}

async function executeServerCommand<T>(command: string, args: unknown[]): Promise<T> {
  return runningClient().sendRequest<T>("workspace/executeCommand", { command, arguments: args });
}

async function indexWorkspace(): Promise<void> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "Engram: indexing the workspace", cancellable: false },
    () => executeServerCommand<{ roots: { root: string; files: number; chunks: number; filesUpdated: number; seconds: number }[] }>("engram.index", []),
  );
  const roots = result?.roots ?? [];
  const files = roots.reduce((n, r) => n + r.files, 0);
  const chunks = roots.reduce((n, r) => n + r.chunks, 0);
  const updated = roots.reduce((n, r) => n + r.filesUpdated, 0);
  const seconds = roots.reduce((n, r) => n + r.seconds, 0);
  void vscode.window.showInformationMessage(`Engram indexed ${files} files (${chunks} chunks, ${updated} updated) in ${seconds.toFixed(1)} s.`);
}

async function reviewChanges(): Promise<void> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "Engram: reviewing changes", cancellable: false },
    () => executeServerCommand<{ findings: number }>("engram.reviewChanges", []),
  );
  const findings = result?.findings ?? 0;
  if (findings > 0) {
    await vscode.commands.executeCommand("workbench.panel.markers.view.focus"); // focus, not toggle
  }
  void vscode.window.showInformationMessage(`Engram review: ${findings} finding${findings === 1 ? "" : "s"}.`);
}

function activeEditor(): vscode.TextEditor {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    throw new Error("Open a file first.");
  }
  return editor;
}

async function explainSelection(): Promise<void> {
  const editor = activeEditor();
  const selection = editor.selection.isEmpty ? editor.document.lineAt(editor.selection.active.line).range : editor.selection;
  const c = runningClient();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "Engram: explaining", cancellable: false },
    () => executeServerCommand<{ markdown: string; uri?: string }>("engram.explain", [
      editor.document.uri.toString(),
      c.code2ProtocolConverter.asRange(selection),
    ]),
  );
  if (result?.uri !== undefined && result.uri !== null) {
    await vscode.commands.executeCommand("markdown.showPreviewToSide", vscode.Uri.parse(result.uri));
    return;
  }
  await showMarkdown("explanation", result?.markdown ?? "(no explanation)");
}

async function generateDocs(): Promise<void> {
  const editor = activeEditor();
  const c = runningClient();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "Engram: generating docs", cancellable: false },
    () => executeServerCommand<{ applied: boolean; usedModel: boolean }>("engram.generateDocs", [
      editor.document.uri.toString(),
      c.code2ProtocolConverter.asPosition(editor.selection.active),
    ]),
  );
  if (result?.applied !== true) {
    void vscode.window.showWarningMessage("Engram: no doc comment was inserted (no documentable symbol at the cursor?).");
  }
}

async function ask(question?: unknown): Promise<void> {
  let q = typeof question === "string" ? question : undefined;
  if (q === undefined) {
    q = await vscode.window.showInputBox({ title: "Engram: Ask", prompt: "A question about this workspace", ignoreFocusOut: true });
  }
  if (q === undefined || q.trim().length === 0) {
    return;
  }
  const text = q.trim();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Engram: ${text}`, cancellable: false },
    () => executeServerCommand<AskResult>("engram.ask", [text]),
  );
  await showMarkdown("answer", renderAnswer(text, { markdown: result?.markdown ?? "", citations: result?.citations ?? [], extractive: result?.extractive ?? false }));
}

async function runDialogue(): Promise<void> {
  const modes = await executeServerCommand<{ name: string; description: string }[]>("engram.listModes", []);
  const pick = await vscode.window.showQuickPick(
    (modes ?? []).map((m) => ({ label: m.name, detail: m.description })),
    { title: "Engram: Run Dialogue", placeHolder: "Dialogue mode" },
  );
  if (pick === undefined) {
    return;
  }
  const topic = await vscode.window.showInputBox({ title: `Engram: ${pick.label}`, prompt: "Topic or question", ignoreFocusOut: true });
  if (topic === undefined || topic.trim().length === 0) {
    return;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Engram: ${pick.label} dialogue`, cancellable: false },
    () => executeServerCommand<{ id: string; status: string; markdown: string }>("engram.runDialogue", [pick.label, topic.trim()]),
  );
  await showMarkdown("dialogue", renderDialogue(pick.label, topic.trim(), result));
}

async function showUsage(): Promise<void> {
  const usage = await executeServerCommand<UsageResult>("engram.usage", []);
  await showMarkdown("usage", renderUsage(usage));
}

/** Writes markdown to the extension's storage and opens its preview (links in it open files at a line). */
async function showMarkdown(kind: string, markdown: string): Promise<void> {
  await vscode.workspace.fs.createDirectory(docsFolder);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const uri = vscode.Uri.joinPath(docsFolder, `${kind}-${stamp}.md`);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(markdown, "utf8"));
  await vscode.commands.executeCommand("markdown.showPreview", uri);
}

function reportError(command: string, err: unknown): void {
  const message = err instanceof Error ? err.message : typeof err === "object" && err !== null && "message" in err ? String((err as { message: unknown }).message) : String(err);
  output.appendLine(`${command}: ${message}`);
  void vscode.window.showErrorMessage(`Engram: ${message}`);
}

