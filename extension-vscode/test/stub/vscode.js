// A minimal stand-in for the `vscode` module: just what src/statusItem.ts touches. Records created items.
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
module.exports = { ThemeColor, StatusBarAlignment, window, _created: created };
