"""Money as people write and read it (crm_desktop.domain.money): one reading of pounds
for the fee boxes and the import file, one way of showing it."""

from __future__ import annotations

import pytest

from crm_desktop.domain.money import MoneyError, format_money, pounds_to_pence


@pytest.mark.parametrize(
    ("pence", "shown"),
    [(0, "£0.00"), (5, "£0.05"), (125000, "£1,250.00"), (2147483647, "£21,474,836.47")],
)
def test_format_money(pence: int, shown: str) -> None:
    assert format_money(pence) == shown


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("", None),
        ("  ", None),
        ("£", None),
        ("350", 35000),
        ("42.5", 4250),
        ("£1,250.00", 125000),
        ("£ 1,200", 120000),
        ("0.01", 1),
        ("12,345,678.90", 1234567890),
    ],
)
def test_pounds_to_pence_reads_amounts(text: str, pence: int | None) -> None:
    assert pounds_to_pence(text) == pence


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1.234", "pence"),
        ("1,250.005", "pence"),
        ("1,2,3", "commas"),
        ("12,50", "commas"),
        (",250", "commas"),
        ("1,250,", "commas"),
        ("-5", "negative"),
        ("-£1,250.00", "negative"),
        ("+5", "number"),
        ("1e3", "number"),  # a number to Python, not an amount to an officer
        ("NaN", "number"),
        ("Infinity", "number"),
        ("350.", "number"),
        ("£-1", "negative"),
        ("twelve", "number"),
    ],
)
def test_pounds_to_pence_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(MoneyError) as raised:
        pounds_to_pence(text)
    assert raised.value.reason == reason
