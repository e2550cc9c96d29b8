"""``scripts/qt-libraries.sh``: which Qt X11 libraries are missing, told reliably.

The old check piped ``ldconfig -p`` into ``grep -q`` under ``set -o pipefail``: grep
stops at the first match, the writer gets a broken pipe, and an installed library was
reported missing in some runs. The fake ``ldconfig`` here lists the libraries first and
then a long cache, which made that pipeline fail nearly every time.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "qt-libraries.sh"


def _fake_ldconfig(tmp_path: Path, libraries: list[str]) -> Path:
    listing = tmp_path / "cache.txt"
    lines = [f"\t{name} (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/{name}" for name in libraries]
    lines += [
        f"\tlibfiller{i}.so.1 (libc6,x86-64) => /usr/lib/libfiller{i}.so.1" for i in range(50_000)
    ]
    listing.write_text("\n".join(lines) + "\n")
    fake = tmp_path / "ldconfig"
    fake.write_text(f"#!/bin/sh\ncat '{listing}'\n")
    fake.chmod(0o755)
    return fake


def _missing(fake: Path) -> list[str]:
    result = subprocess.run(
        [str(SCRIPT)],
        env={**os.environ, "CRM_LDCONFIG": str(fake)},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_installed_libraries_are_found_every_time(tmp_path: Path) -> None:
    fake = _fake_ldconfig(tmp_path, ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    for _ in range(20):
        assert _missing(fake) == []


def test_a_missing_library_is_named(tmp_path: Path) -> None:
    fake = _fake_ldconfig(tmp_path, ["libxcb-keysyms.so.1"])
    assert _missing(fake) == ["libxcb-icccm4"]


def test_no_library_cache_names_both(tmp_path: Path) -> None:
    assert _missing(tmp_path / "no-such-ldconfig") == ["libxcb-icccm4", "libxcb-keysyms1"]
