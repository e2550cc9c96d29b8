"""Machine-wide site settings: where the file is, what it may say, and the URL precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_desktop import site_config
from crm_desktop.cli import main
from crm_desktop.db.engine import DATABASE_ENV, default_database_path, resolve_database_url
from crm_desktop.site_config import (
    SITE_CONFIG_ENV,
    SiteConfigError,
    default_site_config_path,
    load_site_config,
    site_config_path,
)

SITE_URL = "postgresql+psycopg://dbserver.council.local/crm"


@pytest.fixture(autouse=True)
def no_site_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the machine's own settings (and any variables) out of every test."""
    monkeypatch.delenv(SITE_CONFIG_ENV, raising=False)
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    monkeypatch.setattr(site_config, "UNIX_SITE_PATH", tmp_path / "no-such" / "site.ini")


def write_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "site.ini"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(SITE_CONFIG_ENV, str(path))
    return path


def error_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> str:
    path = write_site(tmp_path, monkeypatch, text)
    with pytest.raises(SiteConfigError) as caught:
        load_site_config()
    message = caught.value.message
    assert "\n" not in message
    assert str(path) in message
    return message


# ------------------------------------------------------------------ where the file is


def test_default_place_on_windows_is_programdata(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site_config.sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", r"D:\ProgramData")
    assert default_site_config_path() == Path(r"D:\ProgramData") / "CRM Desktop" / "site.ini"


def test_default_place_elsewhere_is_etc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site_config.sys, "platform", "linux")
    monkeypatch.setattr(site_config, "UNIX_SITE_PATH", Path("/etc/crm-desktop/site.ini"))
    assert default_site_config_path() == Path("/etc/crm-desktop/site.ini")


def test_environment_variable_names_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write_site(tmp_path, monkeypatch, f"[database]\nurl = {SITE_URL}\n")
    assert site_config_path() == path
    config = load_site_config()
    assert config.path == path
    assert config.database_url == SITE_URL


def test_no_file_in_the_default_place_is_fine() -> None:
    config = load_site_config()
    assert config.path is None
    assert config.database_url is None
    assert config.attachments_folder is None


def test_a_file_in_the_default_place_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "etc" / "site.ini"
    path.parent.mkdir()
    path.write_text(f"[database]\nurl = {SITE_URL}\n", encoding="utf-8")
    monkeypatch.setattr(site_config, "UNIX_SITE_PATH", path)
    monkeypatch.setattr(site_config.sys, "platform", "linux")
    assert load_site_config().database_url == SITE_URL


def test_a_named_file_that_is_missing_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "gone.ini"
    monkeypatch.setenv(SITE_CONFIG_ENV, str(missing))
    with pytest.raises(SiteConfigError, match="does not exist") as caught:
        load_site_config()
    assert str(missing) in caught.value.message


# ------------------------------------------------------------------ what it may say


def test_every_section(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_site(
        tmp_path,
        monkeypatch,
        "\ufeff# Deployed by IT\n"
        "[database]\n"
        "url = postgresql+psycopg://dbserver/crm?application_name=crm%20desktop\n"
        "\n"
        "[attachments]\n"
        "folder = \\\\fileserver\\crm\\attachments\n"
        "\n"
        "[smtp]\n"
        "host = smtp.council.local\n"
        "port = 587\n"
        "starttls = yes\n"
        "user = crm-mailer\n"
        "from = complaints@council.gov.uk\n"
        "timeout_seconds = 20\n",
    )
    config = load_site_config()
    # No interpolation: a % is kept as typed.
    assert config.database_url == (
        "postgresql+psycopg://dbserver/crm?application_name=crm%20desktop"
    )
    assert config.attachments_folder == Path("\\\\fileserver\\crm\\attachments")
    assert config.smtp.host == "smtp.council.local"
    assert config.smtp.port == 587
    assert config.smtp.starttls is True
    assert config.smtp.user == "crm-mailer"
    assert config.smtp.sender == "complaints@council.gov.uk"
    assert config.smtp.timeout_seconds == 20


def test_empty_values_and_sections_mean_not_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_site(tmp_path, monkeypatch, "[database]\nurl =\n[smtp]\n")
    config = load_site_config()
    assert config.database_url is None
    assert config.smtp.host is None


def test_sqlite_file_with_a_full_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'shared.db').as_posix()}"
    write_site(tmp_path, monkeypatch, f"[database]\nurl = {url}\n")
    assert load_site_config().database_url == url


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("url = sqlite:///x.db\n", 1, "before any [section]"),
        (
            "[database]\nurl = x\n\nthis is not a setting\n",
            4,
            "cannot read 'this is not a setting'",
        ),
        ("[database]\nurl = a\n[smtp]\nhost = h\nhost = i\n", 5, "'host' appears twice in [smtp]"),
        ("[database]\n[database]\n", 2, "[database] appears twice"),
        ("# comment\n[databse]\nurl = x\n", 2, "unknown section [databse]"),
        ("[DEFAULT]\nurl = x\n", 1, "unknown section [DEFAULT]"),
        ("[database]\n\nuri = sqlite:///x.db\n", 3, "unknown setting 'uri' in [database]"),
        ("[smtp]\npassword = secret\n", 2, "unknown setting 'password' in [smtp]"),
        ("[database]\nurl = mysql://db/crm\n", 2, "not 'mysql'"),
        ("[database]\nurl = not a url\n", 2, "is not a database address"),
        ("[database]\nurl = sqlite:///crm.db\n", 2, "must be a full path"),
        ("[database]\nurl = sqlite://\n", 2, "in-memory"),
        ("[attachments]\nfolder = attachments\n", 2, "must be a full path"),
        ("[smtp]\nhost = h\nport = twenty-five\n", 3, "port must be a whole number"),
        ("[smtp]\nport = 70000\n", 2, "port must be a whole number from 1 to 65535"),
        ("[smtp]\nstarttls = maybe\n", 2, "starttls must be true or false"),
    ],
)
def test_a_broken_file_is_one_line_naming_file_and_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, line: int, words: str
) -> None:
    message = error_for(tmp_path, monkeypatch, text)
    assert f", line {line}: " in message
    assert words in message


def test_a_file_that_is_not_utf8(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "site.ini"
    path.write_bytes(b"[database]\n# caf\xe9\nurl = x\n")
    monkeypatch.setenv(SITE_CONFIG_ENV, str(path))
    with pytest.raises(SiteConfigError, match=r"line 2: not UTF-8"):
        load_site_config()


def test_a_folder_instead_of_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SITE_CONFIG_ENV, str(tmp_path))
    with pytest.raises(SiteConfigError, match="is a folder"):
        load_site_config()


# ------------------------------------------------------------------ precedence


def test_precedence_option_then_environment_then_site_then_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    default = f"sqlite:///{default_database_path()}"
    assert resolve_database_url() == default

    write_site(tmp_path, monkeypatch, f"[database]\nurl = {SITE_URL}\n")
    assert resolve_database_url() == SITE_URL

    monkeypatch.setenv(DATABASE_ENV, "sqlite:////tmp/from-env.db")
    assert resolve_database_url() == "sqlite:////tmp/from-env.db"

    assert resolve_database_url("sqlite:////tmp/explicit.db") == "sqlite:////tmp/explicit.db"


def test_site_file_without_a_database_leaves_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_site(tmp_path, monkeypatch, "[smtp]\nhost = smtp.council.local\n")
    assert resolve_database_url() == f"sqlite:///{default_database_path()}"


def test_a_broken_site_file_does_not_matter_when_a_url_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_site(tmp_path, monkeypatch, "nonsense\n")
    assert resolve_database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    monkeypatch.setenv(DATABASE_ENV, "sqlite:////tmp/y.db")
    assert resolve_database_url() == "sqlite:////tmp/y.db"


# ------------------------------------------------------------------ the command line


def test_db_where_shows_the_site_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(tmp_path, monkeypatch, "[database]\nurl = postgresql://crm_owner:pw@dbserver/crm\n")
    assert main(["db", "where"]) == 0
    assert capsys.readouterr().out.strip() == "postgresql://crm_owner:***@dbserver/crm"


def test_a_broken_site_file_stops_a_command_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_site(tmp_path, monkeypatch, "[database]\nurl = sqlite:///relative.db\n")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"crm-desktop: Site settings {path}, line 2: ")
