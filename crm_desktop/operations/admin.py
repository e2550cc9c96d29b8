"""Reference data, closure days, timescales, KPI targets and user accounts."""

from __future__ import annotations
