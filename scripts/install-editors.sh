#!/usr/bin/env bash
# Installs what tests/Engram.Clients.Tests needs from Debian: Neovim, Emacs with Eglot, Chromium (code-server
# end-to-end test) and the Kerberos headers code-server's native module may build against. Idempotent: packages
# already installed are left alone, and apt is not touched at all when nothing is missing.
# Node packages (the extension's, code-server with Node 24, playwright-core) are installed by the tests themselves
# with `npm ci` from committed lock files.
set -euo pipefail

packages=(neovim emacs-nox elpa-eglot chromium libkrb5-dev git)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-editors: all present (${packages[*]})"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-editors: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
