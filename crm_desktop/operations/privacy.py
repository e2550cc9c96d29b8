"""Retention, legal holds, subject access, equality monitoring and the access log."""

from __future__ import annotations
