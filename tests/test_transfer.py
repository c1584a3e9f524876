"""Moving a log: export and import across backends with identical hashes, the GRANTs that
`timeline init --print-sql` prints, and what the CLI says about commands PostgreSQL lacks."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from events.backends import open_log
from events.reference import Reference
from events.store import EventStore
from tests.conftest import new
from tests.postgres import Cluster
from timeline.cli import main

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def run(*args: str, tmp_path: Path) -> Result:
    key = str(tmp_path / "timeline.key")
    return CliRunner().invoke(main, [*args], env={"TIMELINE_SIGNING_KEY": key}, catch_exceptions=False)


def _catalogues(store: EventStore) -> tuple[list, list, list]:
    reference = Reference(store.db)
    return reference.regions(), reference.programmes(), reference.sources()


def test_sqlite_to_postgresql_and_back_keeps_every_hash(tmp_path: Path, pg_url: str) -> None:
    first = tmp_path / "first.db"
    loaded = run("load", str(SEEDS), "--db", str(first), tmp_path=tmp_path)
    assert loaded.exit_code == 0, loaded.output
    exported = tmp_path / "log.jsonl"
    assert run("export", str(exported), "--db", str(first), tmp_path=tmp_path).exit_code == 0
    imported = run("import", str(exported), "--db", pg_url, tmp_path=tmp_path)
    assert imported.exit_code == 0, imported.output and "every hash checked" in imported.output
    again = tmp_path / "again.jsonl"
    assert run("export", str(again), "--db", pg_url, tmp_path=tmp_path).exit_code == 0
    back = tmp_path / "back.db"
    assert run("import", str(again), "--db", str(back), tmp_path=tmp_path).exit_code == 0
    assert again.read_bytes() == exported.read_bytes()  # every position, time and hash
    sqlite, postgres, returned = open_log(str(first)), open_log(pg_url), open_log(str(back))
    assert sqlite.head() == postgres.head() == returned.head()
    assert list(sqlite.read_all()) == list(postgres.read_all()) == list(returned.read_all())
    assert sqlite.tree_root(sqlite.head().position) == postgres.tree_root(postgres.head().position)
    assert _catalogues(sqlite) == _catalogues(postgres) == _catalogues(returned)
    assert len(_catalogues(postgres)[0]) > 10  # the gazetteer's regions came over through the log
    assert postgres.verify(catalogues=True) == sqlite.head().position
    for store in (sqlite, postgres, returned):
        store.close()


@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_an_altered_or_cut_export_writes_nothing(tmp_path: Path, pg_url: str, target: str) -> None:
    db = pg_url if target == "postgresql" else str(tmp_path / "target.db")
    exported = tmp_path / "log.jsonl"
    _append_some(tmp_path / "source.db")
    assert run("export", str(exported), "--db", str(tmp_path / "source.db"), tmp_path=tmp_path).exit_code == 0
    lines = exported.read_bytes().splitlines(keepends=True)
    altered = tmp_path / "altered.jsonl"
    altered.write_bytes(b"".join([*lines[:4], lines[4].replace(b"A meeting", b"A meetinG"), *lines[5:]]))
    result = run("import", str(altered), "--db", db, tmp_path=tmp_path)
    assert result.exit_code == 3 and "position 4" in result.output
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(lines[:-2]))
    result = run("import", str(cut), "--db", db, tmp_path=tmp_path)
    assert result.exit_code == 3 and "its header says 6" in result.output
    assert open_log(db, create=False).head().position == 0  # all or nothing
    assert run("import", str(exported), "--db", db, tmp_path=tmp_path).exit_code == 0
    refused = run("import", str(exported), "--db", db, tmp_path=tmp_path)
    assert refused.exit_code == 1 and "not empty" in refused.output


def _append_some(path: Path) -> None:
    from tests.conftest import PROGRAMMES, REGIONS, SOURCES

    store = open_log(str(path))
    Reference(store.db).upsert([*REGIONS, *PROGRAMMES, *SOURCES])
    store.append([new(f"s{i}", 0) for i in range(6)])
    store.close()


def test_the_printed_grants_let_a_service_role_run_the_service_but_never_alter_the_log(
    tmp_path: Path, pg_cluster: Cluster, pg_url: str
) -> None:
    printed = run("init", "--print-sql", "--role", "timeline_service", tmp_path=tmp_path)
    assert printed.exit_code == 0 and "GRANT SELECT, INSERT ON events TO timeline_service;" in printed.output
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("CREATE ROLE timeline_service LOGIN")
        admin.execute(printed.output.encode())  # type: ignore[arg-type]
    service = pg_cluster.url(pg_url.rsplit("/", 1)[1], user="timeline_service")
    loaded = run("load", str(SEEDS), "--db", service, tmp_path=tmp_path)
    assert loaded.exit_code == 0, loaded.output
    appended = run("append", str(_events_file(tmp_path)), "--db", service, tmp_path=tmp_path)
    assert appended.exit_code == 0, appended.output
    assert run("verify", "--db", service, tmp_path=tmp_path).exit_code == 0
    # The views (built, rebuilt, read) and the jobs' records are the service's own tables.
    for command in (
        ["rebuild"],
        ["status", "140781", "--as-of", "2021-05-07"],
        ["jobs", "--run", "catch_up"],
    ):
        done = run(*command, "--db", service, tmp_path=tmp_path)
        assert done.exit_code == 0, done.output
    assert "2021-05-07" in run("region", "140781", "--db", service, tmp_path=tmp_path).output
    with psycopg.connect(service, autocommit=True) as conn:
        head = conn.execute("SELECT max(position) FROM events").fetchone()
        for statement in ("UPDATE events SET payload = '{}'", "DELETE FROM events", "TRUNCATE events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)  # type: ignore[arg-type]
        assert conn.execute("SELECT max(position) FROM events").fetchone() == head


def _events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"type": "meeting_held", "occurred": "2021-05-07", "regions": ["140781"], '
        '"title": {"zh": "会议", "en": "A meeting"}, "summary": {"zh": "会议。", "en": "A meeting."}, '
        '"sources": [{"document": "jinzhong-daily-report-2021-05-19"}]}\n'
    )
    return path


def test_backup_commands_say_what_to_do_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    backup = run("backup", "--db", pg_url, tmp_path=tmp_path)
    assert backup.exit_code == 1 and "pg_dump" in backup.output and "pg_basebackup" in backup.output
    (tmp_path / "some.db").touch()
    for command in (["backups"], ["restore", str(tmp_path / "some.db")]):
        refused = run(*command, "--db", pg_url, tmp_path=tmp_path)
        assert refused.exit_code == 4 and "pg_restore" in refused.output, refused.output
