#!/usr/bin/env bash
# Run the whole test suite (core and UI, offscreen) plus the lint and type checks.
# PostgreSQL tests use the server at $CRM_TEST_POSTGRES_URL
# (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and make their own
# throwaway databases there.
# pytest runs in parallel, one worker per CPU (pytest-xdist, -n auto); each worker
# migrates one template database per run and copies it for each test (tests/conftest.py).
# Pass -n 0 to run in one process, e.g. to use a debugger.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
cd "$root"
export QT_QPA_PLATFORM=offscreen
# Python's own default: keep compiled bytecode (in the ignored __pycache__ folders).
# Some environments switch it off; then every open of a database recompiles the
# migration scripts and every command-line test recompiles the program.
unset PYTHONDONTWRITEBYTECODE
echo "== ruff" && .venv/bin/ruff check .
echo "== mypy (strict, crm_desktop/)" && .venv/bin/mypy
echo "== mypy (ui/ and the launcher)" && .venv/bin/mypy ui crm_desktop_launcher.py
echo "== pytest" && exec .venv/bin/pytest -n auto --dist worksteal "$@"
