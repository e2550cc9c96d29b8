"""The annual report, exports, baseline figures and commentary."""

from __future__ import annotations
