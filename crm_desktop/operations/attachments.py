"""Documents attached to cases."""

from __future__ import annotations
