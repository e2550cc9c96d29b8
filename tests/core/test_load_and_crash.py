"""Several writers at once on SQLite and PostgreSQL; writers killed mid-transition.

The full-size runs (10 processes for 60 s, 50 kills) are benchmarks/bench_load.py.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

HARNESS_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "load_harness.py"


def harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("load_harness", HARNESS_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_harness"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_four_writers_lose_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'load.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    result = harness().run_load(url, workers=4, seconds=6)
    assert result.problems == [], result.stderr[-3000:]
    assert result.totals["unhandled"] == 0
    assert result.totals["ok"] > 0 and result.totals["moves_ok"] > 0
    # Each operation ended in exactly one outcome, or found nothing to do (not counted).
    counted = sum(result.totals[k] for k in ("ok", "conflict", "refused", "busy", "unhandled"))
    assert 0 < counted <= result.totals["ops"]


def test_killing_writers_mid_transition_leaves_nothing_half_moved(tmp_path: Path) -> None:
    problems = harness().crash_run(f"sqlite:///{tmp_path / 'crash.db'}", kills=8)
    assert problems == []
