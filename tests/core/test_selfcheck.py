"""``crm-desktop selfcheck``: every step, what it prints, what it leaves behind.

The desktop-window step needs Qt; core tests never import it, so that step runs here
only in a child process (``python -m crm_desktop_launcher selfcheck``), as the built program does.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from crm_desktop import selfcheck
from crm_desktop.cli import main
from crm_desktop.site_config import SITE_CONFIG_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def own_temp_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Self-check's temporary folder goes here, so the test can see it is removed."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.delenv(SITE_CONFIG_ENV, raising=False)
    monkeypatch.setattr(selfcheck, "DEFAULT_CASES", 60)
    return temp


def test_every_step_passes_and_nothing_is_left(own_temp_folder: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    results = selfcheck.run_selfcheck(80, window=False, out=out, err=err)
    assert [r.name for r in results] == [
        "site settings",
        "create and migrate a database",
        "load demo data",
        "annual report to PDF",
    ]
    assert all(r.ok for r in results), out.getvalue()
    text = out.getvalue()
    assert text.startswith("CRM Desktop ")
    assert "  ok      load demo data: 80 cases" in text
    assert "pages" in text
    assert text.rstrip().endswith("s.") and "Self-check passed" in text
    assert err.getvalue() == ""
    assert list(own_temp_folder.iterdir()) == []


def test_a_failing_step_is_reported_and_later_steps_skipped(
    monkeypatch: pytest.MonkeyPatch, own_temp_folder: Path
) -> None:
    def broken(_state: object) -> str:
        raise RuntimeError("no migrations found\nsecond line")

    monkeypatch.setattr(selfcheck, "_database", broken)
    out, err = io.StringIO(), io.StringIO()
    results = selfcheck.run_selfcheck(10, window=False, out=out, err=err)
    assert [r.ok for r in results] == [True, False, False, False]
    text = out.getvalue()
    assert "  FAILED  create and migrate a database: RuntimeError: no migrations found (" in text
    assert "  FAILED  load demo data: skipped: no database" in text
    assert "Self-check FAILED (create and migrate a database, load demo data, " in text
    assert "Traceback" in err.getvalue()  # for IT to pass on
    assert list(own_temp_folder.iterdir()) == []


def test_a_broken_site_file_fails_the_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    site = tmp_path / "site.ini"
    site.write_text("[database]\nurl = sqlite:///relative.db\n", encoding="utf-8")
    monkeypatch.setenv(SITE_CONFIG_ENV, str(site))
    out = io.StringIO()
    results = selfcheck.run_selfcheck(10, window=False, out=out, err=io.StringIO())
    assert not results[0].ok
    assert f"Site settings {site}, line 2" in out.getvalue()
    assert all(r.ok for r in results[1:])  # the throwaway database does not need it


def test_the_command_exit_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["selfcheck", "--no-window", "--cases", "20"]) == 0
    assert "Self-check passed" in capsys.readouterr().out

    def broken(_state: object) -> str:
        raise selfcheck.SelfCheckFailed("the PDF has no pages")

    monkeypatch.setattr(selfcheck, "_report", broken)
    assert main(["selfcheck", "--no-window", "--cases", "20"]) == 1
    captured = capsys.readouterr()
    assert "FAILED  annual report to PDF: SelfCheckFailed: the PDF has no pages" in captured.out
    assert "Traceback" not in captured.err  # an expected failure needs no traceback


def test_the_whole_check_with_the_window_offscreen(tmp_path: Path) -> None:
    """As the installed program runs it: Qt offscreen although nobody asked for it, and
    the user's own settings folder untouched."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", SITE_CONFIG_ENV)}
    settings_home = tmp_path / "config"
    settings_home.mkdir()
    env["XDG_CONFIG_HOME"] = str(settings_home)
    child_temp = tmp_path / "child-temp"
    child_temp.mkdir()
    env["TMPDIR"] = str(child_temp)
    result = subprocess.run(
        [sys.executable, "-m", "crm_desktop_launcher", "selfcheck", "--cases", "40"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "  ok      desktop window: Qt " in result.stdout
    assert "offscreen platform" in result.stdout
    assert "Self-check passed" in result.stdout
    assert list(settings_home.iterdir()) == []
    assert list(child_temp.iterdir()) == []
