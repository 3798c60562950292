// Makes `require("vscode")` resolve to ./vscode.js (VS Code injects the real module only inside the editor).
"use strict";
const Module = require("module");
const path = require("path");
const stub = path.join(__dirname, "vscode.js");
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "vscode" ? stub : original.call(this, request, ...rest);
};
