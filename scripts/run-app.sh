#!/usr/bin/env bash
# Start CRM Desktop on its default database (a SQLite file in your data folder, created
# and migrated on first start). Any arguments go to crm-desktop, e.g. --database URL.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"

# Qt's X11 (xcb) platform needs two Debian libraries a fresh machine lacks.
if [ "$(uname -s)" = "Linux" ] && [ "${QT_QPA_PLATFORM:-xcb}" = "xcb" ]; then
    mapfile -t missing < <("$root/scripts/qt-libraries.sh")
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
            echo "Installing ${missing[*]} for Qt's X11 support ..." >&2
            apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2
        else
            echo "Qt needs these packages to open a window: ${missing[*]}" >&2
            echo "Install them with: sudo apt-get install ${missing[*]}" >&2
            exit 1
        fi
    fi
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
        echo "No screen found (DISPLAY is not set). Run this on a desktop, under Xvfb," >&2
        echo "or with QT_QPA_PLATFORM=offscreen to start without showing a window." >&2
        exit 1
    fi
fi
exec "$root/.venv/bin/crm-desktop" "$@"
