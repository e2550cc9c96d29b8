"""Letters, emails, templates, mail settings, reminders and notifications."""

from __future__ import annotations
