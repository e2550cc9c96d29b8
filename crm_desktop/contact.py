"""Contact details as the program accepts them, checked the same wherever they are typed
(a user's email, a pool member's, the mail settings' addresses)."""

from __future__ import annotations

import re

from crm_desktop.errors import ValidationError

__all__ = ["check_email", "is_email"]

# One address: no spaces, commas, semicolons or angle brackets; a dot in the domain.
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def is_email(address: str) -> bool:
    """Whether ``address`` is one email address."""
    return _EMAIL.match(address) is not None


def check_email(address: str, field: str) -> None:
    """One email address, or a refusal naming it."""
    if not is_email(address):
        raise ValidationError(f"'{address}' is not an email address.", field)
