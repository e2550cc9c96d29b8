"""The installed program: build it with PyInstaller and run it (issue 11).

Deselected by default (``-m 'not build'`` in pyproject's addopts): a build takes one to
two minutes. Run it with the build extra installed::

    .venv/bin/pip install -e ".[build]"
    .venv/bin/pytest -m build tests/build

``.ci/run`` builds and checks the same way after the test suite, into build/dist.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import crm_desktop

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[2]
NAME = "crm-desktop"


def _pyinstaller() -> Path:
    found = Path(sys.executable).with_name("pyinstaller")
    if not found.exists():
        found = Path(sys.executable).with_name("pyinstaller.exe")
    if not found.exists():
        pytest.fail('PyInstaller is not installed: .venv/bin/pip install -e ".[build]"')
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("build")
    started = time.perf_counter()
    subprocess.run(
        [
            str(_pyinstaller()),
            str(ROOT / "build_installer.spec"),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "work"),
        ],
        cwd=ROOT,
        check=True,
        timeout=1200,
    )
    folder = work / "dist" / NAME
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"built in {time.perf_counter() - started:.0f} s, {size / 2**20:.0f} MiB")
    return folder


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.pop("CRM_DESKTOP_SITE_CONFIG", None)
    executable = folder / (NAME + (".exe" if sys.platform == "win32" else ""))
    return subprocess.run(
        [str(executable), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def test_version(built: Path) -> None:
    result = _run(built, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"crm-desktop {crm_desktop.__version__}"


def test_selfcheck_offscreen(built: Path) -> None:
    result = _run(built, "selfcheck")
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "installed program" in result.stdout
    assert "offscreen platform" in result.stdout
    assert "Self-check passed" in result.stdout


def test_bundled_files(built: Path) -> None:
    internal = built / "_internal"
    assert (internal / "resources" / "reference_data.json").is_file()
    migrations = internal / "crm_desktop" / "db" / "migrations"
    assert (migrations / "env.py").is_file()
    assert (migrations / "script.py.mako").is_file()
    source = ROOT / "crm_desktop" / "db" / "migrations" / "versions"
    shipped = sorted(p.name for p in (migrations / "versions").glob("*.py"))
    assert shipped == sorted(p.name for p in source.glob("*.py"))
    qt_modules = sorted(p.name.split(".")[0] for p in (internal / "PySide6").glob("Qt*.*"))
    assert qt_modules == ["QtCore", "QtGui", "QtWidgets"]
    assert not (internal / "PySide6" / "Qt" / "translations").exists()
    for unwanted in ("pytest", "hypothesis", "mypy", "tkinter", "matplotlib"):
        assert not (internal / unwanted).exists(), unwanted


def test_no_bytecode_written_beside_the_program(built: Path) -> None:
    _run(built, "selfcheck", "--no-window", "--cases", "20")
    assert not list(built.rglob("__pycache__"))
