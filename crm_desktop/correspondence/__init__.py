"""Letters, emails, notifications and reminders (issue 9). No Qt here.

- :mod:`.templates`: the templates a manager edits (defaults in ``resources/templates``).
- :mod:`.rendering`: merge fields and the Jinja2 sandbox; unknown fields are refused
  before anything is sent.
- :mod:`.letters`: preview, then send a letter (PDF) or an email; both are recorded in
  the case's correspondence.
- :mod:`.notifications`: the in-app notification centre.
- :mod:`.reminders`: deadline reminders, the daily digest, the LGSCO remedy escalation
  chain; :mod:`.outbox` sends their emails exactly once, with retries.
- :mod:`.settings`: letterhead, SMTP, reminder and escalation settings.
"""
