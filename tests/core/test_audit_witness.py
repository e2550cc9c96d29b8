"""SQLite: a trail cut short, emptied, or rewritten and chained again is caught.

Whoever holds the file can do all three, and the chain alone then looks whole. Each is
caught by ``audit verify`` run where the events were written, against the witnesses
kept there (the last event written, every backup), or against a head printed in a
report and given on the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_desktop.cli import main
from crm_desktop.cli_maintenance import UNWITNESSED
from crm_desktop.db import witness
from crm_desktop.db.audit import HASH_VERSION, event_hash
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import Directorate

EVENTS = 60


@pytest.fixture
def written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Database, Path]]:
    """A database written to from this account: its data folder keeps the witness."""
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "my data" / "witnesses")
    path = tmp_path / "shared" / "crm.db"
    path.parent.mkdir()
    db = open_database(f"sqlite:///{path}")
    for n in range(EVENTS):
        db.write(lambda s, n=n: s.add(Directorate(name=f"Directorate {n}")), actor="officer1")
    try:
        yield db, path
    finally:
        db.dispose()


def verify(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--database", f"sqlite:///{path}", "audit", "verify", *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def last_seq(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT max(chain_seq) FROM audit_event").fetchone()[0])


def tamper(path: Path, *statements: str) -> None:
    """What anyone holding the file can do, with any SQLite tool."""
    connection = sqlite3.connect(path)
    try:
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def rechain(path: Path) -> None:
    """Rewrite the trail as a careful tamperer would: every hash computed again, so the
    chain itself holds."""
    connection = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES)
    connection.row_factory = sqlite3.Row
    try:
        rows = connection.execute("SELECT * FROM audit_event ORDER BY chain_seq").fetchall()
        prev = None
        for row in rows:
            data = dict(row)
            data["occurred_at"] = dt.datetime.fromisoformat(str(data["occurred_at"]))
            data["hash_version"] = HASH_VERSION
            digest = event_hash(prev, data)
            connection.execute(
                "UPDATE audit_event SET prev_hash = ?, hash = ?, hash_version = ? WHERE id = ?",
                (prev, digest, HASH_VERSION, data["id"]),
            )
            prev = digest
        connection.commit()
    finally:
        connection.close()


def test_an_untouched_trail_is_intact_against_its_witness(
    written: tuple[Database, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _db, path = written
    code, text = verify(path, capsys)
    seen = f"checked against 1 witness (the newest saw event {last_seq(path)})."
    assert code == 0 and seen in text
    assert "vouches" not in text and "earlier audit verify" not in text


@pytest.mark.parametrize("cut", [1, 50])
def test_cutting_the_tail_is_caught(
    written: tuple[Database, Path], capsys: pytest.CaptureFixture[str], cut: int
) -> None:
    _db, path = written
    end = last_seq(path)
    tamper(path, f"DELETE FROM audit_event WHERE chain_seq > {end - cut}")
    code, text = verify(path, capsys)
    assert code == 1
    lost = "1 event is" if cut == 1 else f"{cut} events are"
    assert f"the trail now ends at event {end - cut:,}" in text
    assert f"reached event {end:,}: {lost} gone (deleted" in text


def test_deleting_every_event_is_caught(
    written: tuple[Database, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _db, path = written
    end = last_seq(path)
    tamper(path, "DELETE FROM audit_event")
    code, text = verify(path, capsys)
    assert code == 1 and f"all {end:,} events of the trail are missing" in text


def test_rewriting_and_chaining_again_is_caught(
    written: tuple[Database, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _db, path = written
    tamper(path, "UPDATE audit_event SET username = 'someone else' WHERE chain_seq = 3")
    rechain(path)
    # The chain alone now holds: only a witness can tell.
    db, _path = written
    from crm_desktop.db.audit import verify_chain

    with db.session() as session:
        assert verify_chain(session) == []
    code, text = verify(path, capsys)
    assert code == 1
    assert "is not the one" in text and "rewritten" in text


def test_a_backup_is_a_witness_too(
    written: tuple[Database, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _db, path = written
    copy = tmp_path / "nightly.db"
    capsys.readouterr()
    assert main(["--database", f"sqlite:///{path}", "backup", str(copy)]) == 0
    printed = capsys.readouterr().out
    end = last_seq(path)
    assert f"up to event {end:,}" in printed
    # Without this account's own head (as on a machine that only made the backup), the
    # backup it recorded is witness enough.
    (record,) = witness.witness_folder().glob("*.json")
    kept = json.loads(record.read_text())
    del kept["head"]
    record.write_text(json.dumps(kept))
    tamper(path, f"DELETE FROM audit_event WHERE chain_seq > {end - 5}")
    code, text = verify(path, capsys)
    assert code == 1 and "the backup" in text and "from this account" not in text


def test_a_restore_says_which_events_it_lost_without_calling_it_tampering(
    written: tuple[Database, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, path = written
    copy = tmp_path / "before.db"
    assert main(["--database", f"sqlite:///{path}", "backup", str(copy)]) == 0
    db.write(lambda s: s.add(Directorate(name="After the backup")), actor="officer1")
    db.dispose()
    assert main(["--database", f"sqlite:///{path}", "restore", str(copy)]) == 0
    code, text = verify(path, capsys)
    assert code == 0, text
    assert "note:" in text and "restored" in text and "lost" in text


def test_a_head_printed_in_a_report_is_checked_on_any_machine(
    written: tuple[Database, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from crm_desktop.db.audit import chain_head, describe_head

    db, path = written
    with db.session() as session:
        head = chain_head(session)
    printed = describe_head(head)
    assert head is not None and f"({head.seq}:{head.hash})" in printed
    tamper(path, "UPDATE audit_event SET action = 'nothing' WHERE chain_seq = 2")
    rechain(path)
    # On a machine that never wrote to the file: no witness of its own...
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "elsewhere")
    code, _text = verify(path, capsys)
    assert code == UNWITNESSED  # what SQLite alone cannot tell (README, "The audit trail")
    # ... but the head from the report is one.
    code, text = verify(path, capsys, "--witness", f"{head.seq}:{head.hash}")
    assert code == 1 and "rewritten" in text
    code, text = verify(path, capsys, "--witness", "12:not-a-hash")
    assert code == 2 and "is not a head" in text


def test_a_save_after_tampering_does_not_make_the_trail_look_whole(
    written: tuple[Database, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The owner of the data folder goes on working on the tampered file: their saves
    must not move the witness past a trail it no longer bears out."""
    db, path = written
    end = last_seq(path)
    tamper(path, "DELETE FROM audit_event WHERE chain_seq = 20")
    tamper(path, "UPDATE audit_event SET chain_seq = chain_seq - 1 WHERE chain_seq > 20")
    rechain(path)
    for n in range(3):
        db.write(lambda s, n=n: s.add(Directorate(name=f"After {n}")), actor="officer1")
    witness.keep_written()
    code, text = verify(path, capsys)
    assert code == 1, text
    assert "rewritten" in text or f"reached event {end:,}" in text


def test_a_link_left_where_the_file_was_does_not_hide_the_witness(
    written: tuple[Database, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, path = written
    db.dispose()
    end = last_seq(path)
    tamper(path, f"DELETE FROM audit_event WHERE chain_seq > {end - 5}")
    hidden = path.parent / ".x" / "crm.db"
    hidden.parent.mkdir()
    path.rename(hidden)
    path.symlink_to(hidden)
    code, text = verify(path, capsys)
    assert code == 1 and "5 events are gone (deleted" in text


@pytest.mark.parametrize(
    "damage",
    ["{ not json", '{"head": {"seq": "285x", "hash": "ab"}}', "[]", "[" * 50_000 + "]" * 50_000],
)
def test_a_damaged_witness_record_is_reported_and_left_as_it_is(
    written: tuple[Database, Path], capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    db, path = written
    witness.keep_written()
    (record, *_) = witness._record_paths(path)
    record.write_text(damage, encoding="utf-8")
    db.write(lambda s: s.add(Directorate(name="One more")), actor="officer1")
    witness.keep_written()
    code, text = verify(path, capsys)
    assert code == 1 and f"the witness record {record}" in text
    assert record.read_text(encoding="utf-8") == damage


def test_a_check_without_any_witness_says_what_it_cannot_prove(
    written: tuple[Database, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _db, path = written
    witness.keep_written()
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "another account")
    capsys.readouterr()
    code = main(["--database", f"sqlite:///{path}", "audit", "verify"])
    out = capsys.readouterr()
    assert code == UNWITNESSED and "no witness of this file was found" in out.err
    # What it says on standard output is not "intact" but what it could not rule out.
    assert "intact" not in out.out and "cannot be ruled out" in out.out
    # A head mistyped from a report is a slip in copying, not tampering.
    for slip in (f"{EVENTS}:{'g' * 64}", f"0:{'a' * 64}", f"x:{'a' * 64}"):
        code, text = verify(path, capsys, "--witness", slip)
        assert code == 2 and "is not a head" in text, slip


def test_a_check_that_had_no_witness_never_passes_for_one_that_had(
    written: tuple[Database, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A check from an account with no witness of the file keeps the head it saw (a cut
    made after it is caught by the next check there), but the next check does not call
    the trail intact as if that head had been seen by a write: a trail cut before the
    first check is still said to be beyond what the account can rule out."""
    _db, path = written
    witness.keep_written()
    cut = last_seq(path) - 10
    tamper(path, f"DELETE FROM audit_event WHERE chain_seq > {cut}")
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "IT account")
    code, text = verify(path, capsys)
    assert code == UNWITNESSED and "cannot be ruled out" in text
    code, text = verify(path, capsys)
    assert code == UNWITNESSED
    assert f"checked against 1 witness (the newest saw event {cut})" in text
    assert "Every witness found is an earlier audit verify from this account" in text
    assert "cannot be ruled out" in text
    # A cut after that check is caught there; the writer's account catches the first.
    tamper(path, f"DELETE FROM audit_event WHERE chain_seq > {cut - 5}")
    code, text = verify(path, capsys)
    assert code == 1 and "5 events are gone" in text
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "my data" / "witnesses")
    code, text = verify(path, capsys)
    assert code == 1 and "15 events are gone" in text


def test_a_writers_check_and_a_backup_stand_as_more_than_a_check(
    written: tuple[Database, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An account that has written to the file, then checks it after a colleague wrote,
    is not told its only witness is an earlier check; nor is an account whose check saw
    the event a backup of its own also reached."""
    db, path = written
    witness.keep_written()
    mine = tmp_path / "my data" / "witnesses"
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "colleague")
    db.write(lambda s: s.add(Directorate(name="A colleague's")), actor="officer2")
    witness.keep_written()
    monkeypatch.setattr(witness, "witness_folder", lambda: mine)
    for _ in range(2):
        code, text = verify(path, capsys)
        assert code == 0 and "earlier audit verify" not in text, text
    # An account that only checks, then backs the file up at the event it checked.
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "IT account")
    assert verify(path, capsys)[0] == UNWITNESSED
    code, text = verify(path, capsys)
    assert code == UNWITNESSED and "earlier audit verify" in text
    assert main(["--database", f"sqlite:///{path}", "backup", str(tmp_path / "copy.db")]) == 0
    code, text = verify(path, capsys)
    assert code == 0 and "earlier audit verify" not in text, text


def test_events_after_every_witness_are_said_to_have_none(
    written: tuple[Database, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Events written after the newest witness (by another account, or added by someone
    holding the file) link up, but nothing vouches for them: the check says so."""
    db, path = written
    witness.keep_written()
    mine = last_seq(path)
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "another account")
    for n in range(4):
        db.write(lambda s, n=n: s.add(Directorate(name=f"Later {n}")), actor="officer2")
    witness.keep_written()
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "my data" / "witnesses")
    code, text = verify(path, capsys)
    assert code == 0 and f"(the newest saw event {mine:,})" in text
    assert f"The last {last_seq(path) - mine} events came after every witness found" in text
    assert "earlier audit verify" not in text


@pytest.mark.parametrize(
    ("change", "found"),
    [
        # A time given a zone hashes as before (the hash reads it in UTC), but the event
        # would be shown and exported at another moment.
        (
            "UPDATE audit_event SET occurred_at = occurred_at || '+14:00' WHERE id = 6",
            "event 6 is stored in a form the program never writes",
        ),
        # Bytes that are not text: named, not a crash.
        (
            "UPDATE audit_event SET after = CAST(X'ff41' AS TEXT) WHERE id = 7",
            "event 7 holds bytes that are not text",
        ),
    ],
    ids=["time with a zone", "bytes not text"],
)
def test_what_the_program_never_writes_is_caught(
    written: tuple[Database, Path], capsys: pytest.CaptureFixture[str], change: str, found: str
) -> None:
    """SQLite keeps whatever it is given, in any form."""
    _db, path = written
    tamper(path, change)
    code, text = verify(path, capsys)
    assert code == 1
    assert found in text


def test_a_witnessed_event_deleted_from_the_middle_is_named(
    written: tuple[Database, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _db, path = written
    connection = sqlite3.connect(path)
    try:
        digest = connection.execute("SELECT hash FROM audit_event WHERE chain_seq = 10").fetchone()[
            0
        ]
    finally:
        connection.close()
    tamper(path, "DELETE FROM audit_event WHERE chain_seq = 10")
    code, text = verify(path, capsys, "--witness", f"10:{digest}")
    assert code == 1
    assert "event 10 of the trail is missing (deleted): the head given on the command" in text
    assert "-" not in text.split("event 10 of the trail is missing")[0][-3:]


def test_a_network_path_is_read_as_sqlite_reads_one() -> None:
    from pathlib import PureWindowsPath

    share = witness._file_uri(PureWindowsPath(r"\\server\share\crm.db"))
    assert share == "file:////server/share/crm.db?mode=ro"
    drive = witness._file_uri(PureWindowsPath(r"C:\Data\crm.db"))
    assert drive == "file:///C:/Data/crm.db?mode=ro"
    assert witness._file_uri(Path("/srv/crm.db")) == "file:///srv/crm.db?mode=ro"


def test_held_witnesses_cannot_be_pushed_out_by_harmless_ones(
    written: tuple[Database, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tamperer rewrote an event, then, round after round, added an event of their
    own after the one the victim's witness saw, changed that one, let the victim save
    (which held the witness) and put it back: each round held one more witness that
    matched the file again, until the one that caught the rewrite was dropped to make
    room and the trail read as intact. Held witnesses are never dropped; with no room
    for more, the witness stays on the event the file no longer has."""
    monkeypatch.setattr(witness, "MAX_HELD", 3)
    monkeypatch.setattr(witness, "MAX_KEPT", 3)
    db, path = written
    tamper(path, "UPDATE audit_event SET username = 'officer3' WHERE chain_seq = 10")
    rechain(path)

    def victim_saves(n: int) -> int:
        db.write(lambda s: s.add(Directorate(name=f"Victim {n}")), actor="officer1")
        witness.keep_written()
        return last_seq(path)

    seen = victim_saves(0)  # holds the witness that caught the rewrite
    for n in range(1, 8):
        # The tamperer's own event after the one the victim's witness saw ...
        tamper(
            path,
            "INSERT INTO audit_event (id, occurred_at, username, action, entity, entity_id, "
            "case_id, before, after, chain_seq, prev_hash, hash, hash_version) "
            "SELECT id + 1, occurred_at, 'officer3', action, entity, entity_id, case_id, "
            "before, after, chain_seq + 1, hash, hash, hash_version FROM audit_event "
            f"WHERE chain_seq = {seen}",
        )
        rechain(path)
        with sqlite3.connect(path) as connection:
            (kept,) = connection.execute(
                "SELECT hash FROM audit_event WHERE chain_seq = ?", (seen,)
            ).fetchone()
        # ... the witnessed event changed while the victim saves, then put back.
        tamper(path, f"UPDATE audit_event SET hash = '{'0' * 64}' WHERE chain_seq = {seen}")
        after = victim_saves(n)
        tamper(path, f"UPDATE audit_event SET hash = '{kept}' WHERE chain_seq = {seen}")
        seen = after
    (record,) = witness.witness_folder().glob("*.json")
    assert len(json.loads(record.read_text())["held_heads"]) == 3
    code, text = verify(path, capsys)
    assert code == 1 and "rewritten" in text, text


def test_saves_in_a_backup_file_say_nothing_of_the_database(
    written: tuple[Database, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A backup file opened and saved in (or edited) since: its later events are not
    events this database lost, and its untouched trail is still intact."""
    _db, path = written
    copy = tmp_path / "nightly.db"
    assert main(["--database", f"sqlite:///{path}", "backup", str(copy)]) == 0
    other = open_database(f"sqlite:///{copy}")
    try:
        other.write(lambda s: s.add(Directorate(name="Saved in the copy")), actor="officer2")
    finally:
        other.dispose()
    assert last_seq(copy) > last_seq(path)
    code, text = verify(path, capsys)
    assert code == 0, text


def test_a_trail_whose_table_was_dropped_is_reported_not_a_crash(
    written: tuple[Database, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, path = written
    db.dispose()
    tamper(path, "DROP TABLE audit_event")
    code, text = verify(path, capsys)
    assert code == 1, text
    assert "the file has no audit trail at all: its table was removed outside" in text
    assert "Something went wrong" not in text


def test_a_backup_of_a_tampered_trail_restored_does_not_launder_it(
    written: tuple[Database, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The trail was cut and rewritten; a backup made of it afterwards and restored must
    not turn this account's witness of the longer trail into "events the restore lost"
    (it did, and the rewrite then read as intact)."""
    db, path = written
    db.dispose()
    end = last_seq(path)
    tamper(
        path,
        "UPDATE audit_event SET username = 'officer3' WHERE chain_seq = 10",
        f"DELETE FROM audit_event WHERE chain_seq = {end}",
    )
    rechain(path)
    copy = tmp_path / "after-the-tampering.db"
    assert main(["--database", f"sqlite:///{path}", "backup", str(copy)]) == 0
    assert main(["--database", f"sqlite:///{path}", "restore", str(copy)]) == 0
    code, text = verify(path, capsys)
    assert code == 1, text
    assert f"reached event {end:,}" in text


def test_a_restore_counts_events_as_lost_only_after_the_backup_it_recorded(
    written: tuple[Database, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Which backup was restored is told by the event it ends with, not by its name or
    its file's time: a tampered file copied over a recorded backup's name, or given an
    old time, launders nothing; a recorded backup copied elsewhere (a USB stick) and
    restored from there is still the backup it was."""
    import os
    import shutil

    db, path = written
    recorded = tmp_path / "nightly.db"
    assert main(["--database", f"sqlite:///{path}", "backup", str(recorded)]) == 0
    db.write(lambda s: s.add(Directorate(name="After the backup")), actor="officer1")
    witness.keep_written()
    db.dispose()
    pristine = tmp_path / "pristine.db"
    shutil.copy(path, pristine)
    # A recorded backup, copied elsewhere and restored from there: events it lost.
    stick = tmp_path / "usb" / "nightly-copy.db"
    stick.parent.mkdir()
    shutil.copy(recorded, stick)
    assert main(["--database", f"sqlite:///{path}", "restore", str(stick)]) == 0
    code, text = verify(path, capsys)
    assert code == 0 and "lost" in text, text
    # A tampered file under the recorded backup's name, with an old time: a cut.
    for record in witness.witness_folder().glob("*.json"):
        record.unlink()
    shutil.copy(pristine, path)
    db = open_database(f"sqlite:///{path}")
    db.write(lambda s: s.add(Directorate(name="Seen by the witness")), actor="officer1")
    witness.keep_written()
    db.dispose()
    weekly = tmp_path / "weekly.db"
    assert main(["--database", f"sqlite:///{path}", "backup", str(weekly)]) == 0
    end = last_seq(path)
    shutil.copy(path, tmp_path / "cut.db")
    tamper(tmp_path / "cut.db", f"DELETE FROM audit_event WHERE chain_seq > {end - 3}")
    shutil.copy(tmp_path / "cut.db", weekly)
    os.utime(weekly, (0, 0))
    assert main(["--database", f"sqlite:///{path}", "restore", str(weekly)]) == 0
    code, text = verify(path, capsys)
    assert code == 1 and "3 events are gone" in text, text
