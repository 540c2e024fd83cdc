#!/usr/bin/env bash
# Installs everything Timbre needs on Debian/Ubuntu: system packages (apt) and npm dependencies.
# Idempotent and quick when everything is already there. Used by `npm start`, `npm test` and CI.
set -euo pipefail
cd "$(dirname "$0")/../.."

APT_PACKAGES=(chromium sox libsox-fmt-all ffmpeg libsecret-1-dev gnome-keyring dbus dbus-x11 pulseaudio pulseaudio-utils alsa-utils build-essential python3)
[ "${1:-}" = "--runtime-only" ] && APT_PACKAGES=(sox ffmpeg libsecret-1-dev build-essential python3)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "timbre: please install these Debian packages first: ${missing[*]}" >&2; exit 1; fi
  echo "timbre: installing system packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm: CUDA binaries and the Electron binary are fetched from outside the npm registry; skip both where they
# cannot be had (set ELECTRON_SKIP_BINARY_DOWNLOAD=0 on a desktop with internet to get the real app).
export ONNXRUNTIME_NODE_INSTALL_CUDA=skip
export ELECTRON_SKIP_BINARY_DOWNLOAD="${ELECTRON_SKIP_BINARY_DOWNLOAD:-1}"
stamp=node_modules/.timbre-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "timbre: installing npm dependencies (first run compiles native modules: a few minutes)" >&2
  # The committed lockfile is complete (every platform's optional packages), so `npm ci` works and this install
  # leaves it unchanged. `npm install` rather than `npm ci` keeps the compiled native modules of an earlier install.
  npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
