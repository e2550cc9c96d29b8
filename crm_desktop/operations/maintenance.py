"""Backups, restores, database checks and demo data."""

from __future__ import annotations
