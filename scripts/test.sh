#!/usr/bin/env bash
# Runs every test on a machine that has the .NET 10 SDK: first installs what the end-to-end tests drive when it is
# missing (Neovim, Emacs + Eglot, Chromium from Debian's packages; Node.js if absent), then the whole .NET suite.
# Node packages (vscode-languageserver-protocol, @modelcontextprotocol/sdk, code-server, ...) are installed by the
# tests themselves with `npm ci` from committed lock files. Exit status: the test run's.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-editors.sh

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "test.sh: installing Node.js and npm from Debian's packages"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

exec dotnet test LanguageServer.sln -c Release "$@"
