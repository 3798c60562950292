// A minimal stand-in for the `vscode` module: what src/statusItem.ts and src/initialization.ts touch. Records
// created status items; `workspace` is mutable so tests can set `isTrusted`, settings and folders, and fire a grant.
"use strict";
const created = [];
class ThemeColor {
  constructor(id) { this.id = id; }
}
const StatusBarAlignment = { Left: 1, Right: 2 };
const window = {
  createStatusBarItem(id, alignment, priority) {
    const item = { id, alignment, priority, text: "", tooltip: undefined, command: undefined, name: undefined, backgroundColor: undefined, visible: false,
      show() { this.visible = true; }, hide() { this.visible = false; }, dispose() {} };
    created.push(item);
    return item;
  },
};
const grantListeners = [];
const workspace = {
  isTrusted: false,
  settings: {},
  workspaceFolders: undefined,
  getConfiguration(section) {
    const prefix = section ? section + "." : "";
    return { get: (key) => workspace.settings[prefix + key] };
  },
  onDidGrantWorkspaceTrust(listener) {
    grantListeners.push(listener);
    return { dispose() { grantListeners.splice(grantListeners.indexOf(listener), 1); } };
  },
  _grantTrust() {
    workspace.isTrusted = true;
    for (const listener of [...grantListeners]) listener();
  },
};
module.exports = { ThemeColor, StatusBarAlignment, window, workspace, _created: created };
