#!/usr/bin/env bash
# Print the Debian packages Qt's X11 (xcb) platform needs that this machine lacks, one
# per line; print nothing when all are installed.
#
# The library cache is read into a variable first and searched in the shell: a pipe into
# `grep -q` would stop reading early, and under `set -o pipefail` the writer's broken
# pipe would then count as "missing" although the library is there.
set -euo pipefail
ldconfig="${CRM_LDCONFIG:-/sbin/ldconfig}"
cache="$("$ldconfig" -p 2>/dev/null || true)"
for lib in libxcb-icccm4:libxcb-icccm.so.4 libxcb-keysyms1:libxcb-keysyms.so.1; do
    if [[ "$cache" != *"${lib#*:}"* ]]; then
        echo "${lib%%:*}"
    fi
done
