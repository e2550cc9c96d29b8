"""No internal reference reaches a user: every string the screens and the core's messages
show is read for design-paper references (``PRODUCT.md``, "para. 51"), template codes
(``{{ letter.text }}``) and column names (``owner_id``).

Docstrings and comments are not shown to users and are not read. Strings that hold no
space are names (object names, keys, settings), not sentences, and are not read either.
Legal citations may cite a paragraph ("Data Protection Act 2018 Sch. 2 para. 16"). The
template checker's own messages (``correspondence/rendering.py``) speak to a manager
editing a template about its codes, and may name them.

Text made at run time from column names (a case's history and timeline) is checked by
the case flow test (``tests/ui/test_case_flow.py``), which reads what the History and
Timeline tabs show.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What users read: the screens, and the core's messages, rules and generated text.
SOURCES = [
    *sorted((ROOT / "ui").glob("*.py")),
    *sorted((ROOT / "crm_desktop" / "domain").glob("*.py")),
    *sorted((ROOT / "crm_desktop" / "services").rglob("*.py")),
    *sorted((ROOT / "crm_desktop" / "operations").glob("*.py")),
    *sorted((ROOT / "crm_desktop" / "correspondence").glob("*.py")),
    *sorted((ROOT / "crm_desktop" / "privacy").glob("*.py")),
    *sorted((ROOT / "crm_desktop" / "reports").glob("*.py")),
    ROOT / "crm_desktop" / "errors.py",
]
TEMPLATE_CHECKER = ROOT / "crm_desktop" / "correspondence" / "rendering.py"
INTERNAL = re.compile(r"\.md\b|\{\{|\}\}|\b[a-z]+_id\b|\bparas?\.")
LEGAL_CITATION = re.compile(r"\bSch\. \d+ paras?\. \d+")
# SQL the core runs (not shown): statements and their named parameters.
SQL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WITH|GRANT|REVOKE)\b|:\w+_id\b"
)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for statement in body:
                if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                    found.add(id(statement.value))
    return found


def shown_strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs
        and " " in node.value.strip()
        and not SQL.search(node.value)
    ]


def internal_references(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for line, text in shown_strings(path):
        cleaned = LEGAL_CITATION.sub("", text)
        if path == TEMPLATE_CHECKER:
            cleaned = cleaned.replace("{{", "").replace("}}", "")
        if INTERNAL.search(cleaned):
            found.append(f"{path.relative_to(root)}:{line}: {text!r}")
    return found


def test_no_user_facing_string_holds_an_internal_reference() -> None:
    found = [hit for path in SOURCES for hit in internal_references(path)]
    assert found == []


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docstrings may cite PRODUCT.md and para. 51."""\n'
        'A = "Holds no other role (para. 51; PRODUCT.md)"\n'
        'B = "These fields are empty: {{ letter.text }}"\n'
        'C = "current stage id: 1 → 2"\n'
        'D = "owner_id changed"\n'
        'E = "withheld (Data Protection Act 2018 Sch. 2 para. 16)"\n'
        'F = "SarPersonId"\n'
        'G = "SELECT crm_delete_case(:case_id, :why)"\n'
    )
    relative = [hit.split(": ", 1)[1] for hit in internal_references(sample, tmp_path)]
    assert relative == [
        "'Holds no other role (para. 51; PRODUCT.md)'",
        "'These fields are empty: {{ letter.text }}'",
        "'owner_id changed'",
    ]
