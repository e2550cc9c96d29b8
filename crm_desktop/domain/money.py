"""Money as people write and read it: pounds and pence, stored as whole pence.

``format_money(125000)`` is "£1,250.00" (the style guide's), and :func:`pounds_to_pence`
reads what an officer types or a file holds ("350", "42.5", "£1,250.00", "£ 1,200")
with commas only between thousands ("1,2,3" is not £123.00), at most two decimal
places and no sign, exponent or "NaN" that a number parser would take.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["MoneyError", "format_money", "pounds_to_pence"]

_POUNDS = re.compile(r"(\d+|\d{1,3}(,\d{3})+)(\.\d{1,2})?")
_WITH_COMMAS = re.compile(r"[\d,]+(\.\d*)?")
_TOO_PRECISE = re.compile(r"(\d+|\d{1,3}(,\d{3})+)\.\d{3,}")


def format_money(pence: int) -> str:
    """Whole pence in pounds, as the program shows money: "£1,250.00"."""
    return f"£{pence / 100:,.2f}"


class MoneyError(ValueError):
    """A text that is not an amount in pounds, and why (``reason``): "commas" (not only
    between thousands), "pence" (more than two decimal places), "negative" (an amount
    below nothing) or "number"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def pounds_to_pence(text: str) -> int | None:
    """An amount in pounds as written, in whole pence; None for nothing written.
    :class:`MoneyError` says which rule a text breaks."""
    amount = text.strip()
    if amount.startswith("£"):
        amount = amount[1:].strip()
    if not amount:
        return None
    if _POUNDS.fullmatch(amount):
        return int(Decimal(amount.replace(",", "")) * 100)
    if _TOO_PRECISE.fullmatch(amount):
        raise MoneyError("pence")
    if amount.startswith("-") and _POUNDS.fullmatch(amount[1:].lstrip("£ ")):
        raise MoneyError("negative")
    if "," in amount and _WITH_COMMAS.fullmatch(amount):
        raise MoneyError("commas")
    raise MoneyError("number")
