"""Deadline queues, the dashboard and working-day arithmetic."""

from __future__ import annotations
