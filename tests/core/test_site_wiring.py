"""The machine-wide site settings reach the attachment store and the mail server."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_desktop.correspondence.settings import load_settings
from crm_desktop.db.database import Database
from crm_desktop.services.attachments import store_folder


def test_site_settings_choose_the_store_and_the_mail_server(
    database: Database, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.session() as session:
        assert store_folder(session, sqlite_url) == tmp_path / "crm.attachments"
        assert load_settings(session).smtp_host == ""
        assert load_settings(session).set_by_it == frozenset()
    site = tmp_path / "site.ini"
    store = tmp_path / "shared" / "attachments"
    site.write_text(
        f"[attachments]\nfolder = {store}\n\n[smtp]\nhost = mail.council.example\nport = 2525\n"
        "starttls = no\nfrom = complaints@council.example\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CRM_DESKTOP_SITE_CONFIG", str(site))
    with database.session() as session:
        assert store_folder(session, sqlite_url) == store
        settings = load_settings(session)
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "mail.council.example",
        2525,
        False,
    )
    assert settings.smtp_from == "complaints@council.example"
    # What IT fixed is read with the settings (in the worker that loads them), so the
    # screen greys those fields without reading the site settings itself.
    assert settings.set_by_it == {"smtp_host", "smtp_port", "smtp_starttls", "smtp_from"}
    monkeypatch.setenv("CRM_SMTP_PASSWORD", "from the environment")
    with database.session() as session:
        settings = load_settings(session)
    assert settings.smtp_password == "from the environment"
    assert "smtp_password" in settings.set_by_it
