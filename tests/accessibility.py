"""Run axe-core (the accessibility rules engine) on an HTML page in headless Chromium.

The page is copied beside a loader page that includes the pinned axe-core
(``scripts/accessibility-tools.sh`` installs it into ``.cache/axe``, and Debian's
chromium when run as root); Chromium loads it with ``--dump-dom`` and enough virtual
time for ``axe.run`` to finish, and the violations come back as JSON in an element the
loader adds after the run. Nothing of the page is changed before axe sees it except one
``<script>`` element at its end, which axe does not check.

:func:`axe_violations` skips the calling test, with the reason, when the tools are not
there and cannot be installed; with ``CRM_REQUIRE_ACCESSIBILITY_CHECK=1`` (set by
``.ci/run``) it fails instead, so CI always runs the check.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TOOLS = ROOT / "scripts" / "accessibility-tools.sh"
RESULT = re.compile(r'<pre id="axe-results">(.*?)</pre>', re.S)


def _unavailable(reason: str) -> None:
    if os.environ.get("CRM_REQUIRE_ACCESSIBILITY_CHECK") == "1":
        pytest.fail(f"The accessibility check must run here, but {reason}")
    pytest.skip(f"accessibility check not run: {reason}")


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def tools() -> tuple[str, Path]:
    """Chromium and axe-core, installed if they can be; else the test is skipped."""
    if _chromium() is None or not AXE.is_file():
        result = subprocess.run(
            [str(TOOLS)], capture_output=True, text=True, timeout=900, check=False
        )
        if result.returncode != 0:
            _unavailable(result.stderr.strip() or "scripts/accessibility-tools.sh failed")
    chromium = _chromium()
    if chromium is None or not AXE.is_file():
        _unavailable("chromium or axe-core is missing after scripts/accessibility-tools.sh")
    assert chromium is not None
    return chromium, AXE


LOADER = """<script src="axe.min.js"></script>
<script>
axe.run(document, {resultTypes: ["violations"]}).then(function (results) {
  var out = document.createElement("pre");
  out.id = "axe-results";
  out.textContent = JSON.stringify({version: axe.version, violations: results.violations});
  document.body.appendChild(out);
}, function (error) {
  var out = document.createElement("pre");
  out.id = "axe-results";
  out.textContent = JSON.stringify({error: String(error)});
  document.body.appendChild(out);
});
</script>
"""


def axe_violations(page: Path, work: Path) -> list[dict[str, Any]]:
    """Every axe-core violation on ``page`` (an HTML file), run in headless Chromium."""
    chromium, axe = tools()
    work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(axe, work / "axe.min.js")
    text = page.read_text(encoding="utf-8")
    assert text.rstrip().endswith("</html>") and text.count("</body>") == 1
    loaded = work / "axe-page.html"
    loaded.write_text(text.replace("</body>", LOADER + "</body>"), encoding="utf-8")
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",  # root in CI: Chromium's sandbox refuses to start as root
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={work / 'profile'}",
            "--virtual-time-budget=60000",
            "--dump-dom",
            loaded.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    found = RESULT.search(result.stdout)
    assert found is not None, (
        f"axe-core gave no result (exit {result.returncode}): {result.stderr[-2000:]}"
    )
    answer = json.loads(html.unescape(found.group(1)))
    assert "error" not in answer, answer
    violations: list[dict[str, Any]] = answer["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations in a few readable lines, for an assertion message."""
    lines = []
    for v in violations:
        targets = [n.get("target") for n in v.get("nodes", [])][:3]
        lines.append(f"{v['id']} ({v.get('impact')}): {v.get('help')} at {targets}")
    return "\n".join(lines)
