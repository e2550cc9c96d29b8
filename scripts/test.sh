#!/usr/bin/env bash
# Run the whole test suite (core and UI, offscreen) plus the lint and type checks.
# PostgreSQL tests use the server at $CRM_TEST_POSTGRES_URL
# (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and make their own
# throwaway databases there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
cd "$root"
export QT_QPA_PLATFORM=offscreen
echo "== ruff" && .venv/bin/ruff check .
echo "== mypy (strict, crm_desktop/)" && .venv/bin/mypy
echo "== pytest" && exec .venv/bin/pytest "$@"
