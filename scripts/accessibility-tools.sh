#!/usr/bin/env bash
# The tools the accessibility test uses: axe-core (npm, pinned) in .cache/axe, and
# Debian's chromium to run it in (installed only when this runs as root).
# Safe to run again: it does nothing when both are there. Exit status 1 when either is
# still missing afterwards, with the reason on standard error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AXE_VERSION="4.11.0"
axe="$root/.cache/axe/node_modules/axe-core/axe.min.js"
missing=0
if [ ! -f "$axe" ] || ! grep -q "\"version\": \"$AXE_VERSION\"" \
        "$root/.cache/axe/node_modules/axe-core/package.json" 2>/dev/null; then
    if command -v npm >/dev/null; then
        mkdir -p "$root/.cache/axe"
        npm install --silent --no-audit --no-fund --prefix "$root/.cache/axe" \
            "axe-core@$AXE_VERSION" >&2 || true
    fi
    if [ ! -f "$axe" ]; then
        echo "axe-core $AXE_VERSION could not be installed (is npm there?)" >&2
        missing=1
    fi
fi
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
        echo "chromium is not installed: run 'sudo apt-get install chromium'" >&2
        missing=1
    fi
fi
exit "$missing"
