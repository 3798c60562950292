import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfiguredPathError, DiscoveryEnvironment, expandPath, findServerCommand } from "../../src/discovery";

function env(files: string[], overrides: Partial<DiscoveryEnvironment> = {}): DiscoveryEnvironment {
  const set = new Set(files);
  return {
    configuredPath: "",
    envPath: "/usr/local/bin:/usr/bin",
    home: "/home/u",
    workspaceFolder: "/ws",
    platform: "linux",
    isFile: (p) => set.has(p),
    ...overrides,
  };
}

test("the setting wins over PATH", () => {
  const found = findServerCommand(env(["/opt/engram/engram", "/usr/bin/engram"], { configuredPath: "/opt/engram/engram" }));
  assert.deepEqual(found, { command: "/opt/engram/engram", args: ["lsp", "--stdio"], source: "setting" });
});

test("a configured engram.dll runs with dotnet", () => {
  const found = findServerCommand(env(["/src/artifacts/engram.dll"], { configuredPath: "/src/artifacts/engram.dll" }));
  assert.deepEqual(found, { command: "dotnet", args: ["/src/artifacts/engram.dll", "lsp", "--stdio"], source: "setting" });
});

test("a configured path that does not exist is an error naming the file, not a silent fallback to PATH", () => {
  assert.throws(
    () => findServerCommand(env(["/usr/bin/engram"], { configuredPath: "~/bin/engram" })),
    (err: unknown) => err instanceof ConfiguredPathError && err.message.includes("/home/u/bin/engram"),
  );
});

test("relative and ${workspaceFolder} settings resolve against the first workspace folder", () => {
  assert.equal(findServerCommand(env(["/ws/tools/engram"], { configuredPath: "tools/engram" }))?.command, "/ws/tools/engram");
  assert.equal(findServerCommand(env(["/ws/tools/engram"], { configuredPath: "${workspaceFolder}/tools/engram" }))?.command, "/ws/tools/engram");
  assert.equal(expandPath("~", { home: "/home/u", workspaceFolder: undefined }), "/home/u");
});

test("PATH is searched in order, skipping empty entries", () => {
  const found = findServerCommand(env(["/b/engram", "/c/engram"], { envPath: "::/a:/b:/c" }));
  assert.deepEqual(found, { command: "/b/engram", args: ["lsp", "--stdio"], source: "path" });
});

test("~/.dotnet/tools is the last resort", () => {
  const found = findServerCommand(env(["/home/u/.dotnet/tools/engram"], { envPath: undefined }));
  assert.deepEqual(found, { command: "/home/u/.dotnet/tools/engram", args: ["lsp", "--stdio"], source: "dotnet-tools" });
});

test("Windows looks for engram.exe with ; separators", () => {
  const found = findServerCommand(env(["C:\\tools/engram.exe"], { platform: "win32", envPath: "C:\\nothing;C:\\tools" }));
  assert.equal(found?.command, "C:\\tools/engram.exe");
});

test("nothing found returns undefined", () => {
  assert.equal(findServerCommand(env([])), undefined);
});
