// Maps the VS Code `engram.*` settings to the server's settings object (initializationOptions and the
// `engram` section of workspace/configuration). The shape is the LSP extension contract in docs/lsp.md.

/** Reads one setting; `get("inlineCompletion.debounceMs")` returns the value or undefined. */
export type SettingReader = (key: string) => unknown;

/** The settings object the server receives. */
export interface ServerSettings {
  inlineCompletion: { enabled: boolean; debounceMs: number };
  completion: { enabled: boolean };
  review: { onSave: boolean };
  index: { lexicalOnly: boolean; autoUpdate: boolean; folders: string[] };
  model: { name: string | null };
}

/** Defaults, identical to the `contributes.configuration` defaults in package.json. */
export const DEFAULT_SETTINGS: ServerSettings = {
  inlineCompletion: { enabled: true, debounceMs: 150 },
  completion: { enabled: true },
  review: { onSave: false },
  index: { lexicalOnly: false, autoUpdate: true, folders: [] },
  model: { name: null },
};

/**
 * Builds the server settings from the `engram` configuration section. Values of the wrong type fall back to
 * the defaults; the debounce is clamped to [0, 5000] ms and rounded; index folders are made absolute against
 * `workspaceFolder` when relative.
 */
export function toServerSettings(get: SettingReader, workspaceFolder?: string): ServerSettings {
  const bool = (key: string, fallback: boolean): boolean => {
    const v = get(key);
    return typeof v === "boolean" ? v : fallback;
  };
  const debounceRaw = get("inlineCompletion.debounceMs");
  const debounceMs =
    typeof debounceRaw === "number" && Number.isFinite(debounceRaw)
      ? Math.min(5000, Math.max(0, Math.round(debounceRaw)))
      : DEFAULT_SETTINGS.inlineCompletion.debounceMs;
  const foldersRaw = get("index.folders");
  const folders = Array.isArray(foldersRaw)
    ? foldersRaw
        .filter((f): f is string => typeof f === "string" && f.trim().length > 0)
        .map((f) => absolutize(f.trim(), workspaceFolder))
    : [];
  const modelRaw = get("model");
  return {
    inlineCompletion: { enabled: bool("inlineCompletion.enabled", true), debounceMs },
    completion: { enabled: bool("completion.enabled", true) },
    review: { onSave: bool("review.onSave", false) },
    index: { lexicalOnly: bool("index.lexicalOnly", false), autoUpdate: bool("index.autoUpdate", true), folders },
    model: { name: typeof modelRaw === "string" && modelRaw.trim().length > 0 ? modelRaw.trim() : null },
  };
}

function absolutize(folder: string, workspaceFolder: string | undefined): string {
  if (folder.startsWith("/") || /^[A-Za-z]:[\\/]/.test(folder) || workspaceFolder === undefined) {
    return folder;
  }
  const base = workspaceFolder.endsWith("/") ? workspaceFolder.slice(0, -1) : workspaceFolder;
  return `${base}/${folder.replace(/^\.\//, "")}`;
}

/** True when a change of these settings needs a server restart (the executable changed). */
export function needsRestart(changedKeys: (section: string) => boolean): boolean {
  return changedKeys("engram.path");
}
