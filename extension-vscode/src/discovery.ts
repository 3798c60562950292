// Finds the `engram` executable. Pure functions over an injected file-system view so that unit tests need
// neither VS Code nor a real installation.
import * as path from "path";

/** How to start the server: `command args...` (args end with `lsp --stdio`). */
export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the command came from: the `engram.path` setting, PATH, or the dotnet tools folder. */
  source: "setting" | "path" | "dotnet-tools";
}

/** What discovery may look at. `isFile` answers true for an existing regular file (executable or not). */
export interface DiscoveryEnvironment {
  /** The `engram.path` setting, possibly empty. */
  configuredPath: string;
  /** The PATH environment variable. */
  envPath: string | undefined;
  /** The user's home directory, for `~` and `~/.dotnet/tools`. */
  home: string;
  /** First workspace folder, for `${workspaceFolder}` and relative settings. */
  workspaceFolder: string | undefined;
  platform: NodeJS.Platform;
  isFile(p: string): boolean;
}

/** Thrown when `engram.path` is set but names nothing usable: the message says which file was tried. */
export class ConfiguredPathError extends Error {}

const SERVER_ARGS = ["lsp", "--stdio"];

/** The command the user can run to install Engram as a .NET global tool. */
export const INSTALL_COMMAND = "dotnet tool install -g Engram";

/**
 * Resolves the server command: the `engram.path` setting first (an executable, or an `engram.dll` run with
 * `dotnet`), then `engram` on PATH, then `~/.dotnet/tools/engram`. Returns undefined when nothing is found;
 * throws ConfiguredPathError when the setting names a missing file (a wrong setting is not silently ignored).
 */
export function findServerCommand(env: DiscoveryEnvironment): ServerCommand | undefined {
  const configured = env.configuredPath.trim();
  if (configured.length > 0) {
    const resolved = expandPath(configured, env);
    if (!env.isFile(resolved)) {
      throw new ConfiguredPathError(`engram.path is set to "${configured}", but ${resolved} is not a file.`);
    }
    if (resolved.toLowerCase().endsWith(".dll")) {
      return { command: "dotnet", args: [resolved, ...SERVER_ARGS], source: "setting" };
    }
    return { command: resolved, args: [...SERVER_ARGS], source: "setting" };
  }

  const names = env.platform === "win32" ? ["engram.exe", "engram.cmd", "engram"] : ["engram"];
  const separator = env.platform === "win32" ? ";" : ":";
  for (const dir of (env.envPath ?? "").split(separator)) {
    if (dir.length === 0) {
      continue;
    }
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (env.isFile(candidate)) {
        return { command: candidate, args: [...SERVER_ARGS], source: "path" };
      }
    }
  }

  for (const name of names) {
    const candidate = path.join(env.home, ".dotnet", "tools", name);
    if (env.isFile(candidate)) {
      return { command: candidate, args: [...SERVER_ARGS], source: "dotnet-tools" };
    }
  }
  return undefined;
}

/** Expands `~`, `${workspaceFolder}` and `${env:NAME}`-free relative paths against the first workspace folder. */
export function expandPath(p: string, env: Pick<DiscoveryEnvironment, "home" | "workspaceFolder">): string {
  let result = p;
  if (result === "~" || result.startsWith("~/")) {
    result = path.join(env.home, result.slice(1));
  }
  if (env.workspaceFolder !== undefined) {
    result = result.split("${workspaceFolder}").join(env.workspaceFolder);
    if (!path.isAbsolute(result)) {
      result = path.join(env.workspaceFolder, result);
    }
  }
  return result;
}
