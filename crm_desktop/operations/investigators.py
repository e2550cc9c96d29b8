"""The investigator pool, appointments and the investigators' own work."""

from __future__ import annotations
