"""Importing historical cases."""

from __future__ import annotations
