"""Data protection and equality monitoring (UK GDPR, the retention schedule, para. 54).

- :mod:`~crm_desktop.privacy.retention`: the retention schedule, the review list of what
  is due, anonymising or deleting a case with a recorded reason, legal hold, the purge.
- :mod:`~crm_desktop.privacy.subject_access`: everything held about one person as a ZIP
  with a PDF index, third-party data redacted and the redactions logged.
- :mod:`~crm_desktop.privacy.equality`: optional equality monitoring answers (managers
  only) and the disproportionality section of the annual report, with small cells
  suppressed (:mod:`~crm_desktop.reports.suppression`).
- :mod:`~crm_desktop.privacy.access_log`: who opened which case, and when.
- :mod:`~crm_desktop.services.personal_data`: what counts as personal data in the case
  tables, and finding known identifiers in free text.

The audit trail and personal data
---------------------------------
The audit trail (``audit_event``) is append-only and hash-chained: its before/after JSON
holds copies of names, contact details and free text as they were typed. Anonymising a
case does not edit or delete those events; editing one would break the chain that proves
the history was not tampered with. The trail stays, on the legal basis of accountability
(UK GDPR Art. 5(2)) and the establishment or defence of legal claims (Art. 17(3)(e)):
it is the evidence of how a complaint was handled. What this package does about it:

1. Anonymisation itself writes nothing personal to the trail: the case tables are
   cleared with SQL statements that bypass the automatic audit, and one event records
   what was cleared (tables, columns, counts) and why, never the values.
2. Equality answers, access log entries and the privacy logs are written the same way,
   so special category data never enters the trail at all.
3. :func:`~crm_desktop.services.personal_data.masked_history` reads a case's trail with
   the personal fields of an anonymised case masked; screens and exports that show the
   history of a case use it. The raw trail is for ``crm-desktop audit verify`` and for
   an auditor with access to the database.
4. A subject access export includes the person's history from the trail (it is their
   data), with other people's identifiers redacted and each redaction logged.
"""
