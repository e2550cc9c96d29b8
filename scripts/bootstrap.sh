#!/usr/bin/env bash
# Create .venv beside the project and install CRM Desktop into it (with the test tools).
# Re-installs only when pyproject.toml has changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtual environment in .venv ..." >&2
    "$python" -m venv .venv
fi
stamp=".venv/.crm-installed"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing CRM Desktop and its dependencies into .venv ..." >&2
    .venv/bin/python -m pip install --quiet --upgrade pip >&2
    .venv/bin/python -m pip install --quiet -e ".[dev]" >&2
    echo "$wanted" > "$stamp"
fi
# The accessibility check's tools (axe-core from npm; chromium when run as root). Not
# fatal here: without them that one test says why it did not run.
if [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null; then
    ./scripts/accessibility-tools.sh >/dev/null 2>&1 || true
fi
