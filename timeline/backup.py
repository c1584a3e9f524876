"""Online backups with SQLite's backup API, verified after writing, and restores."""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from events.errors import StoreUnavailable, TimelineError
from events.store import EventStore
from events.times import utc_now

_NAME = re.compile(r"^timeline-\d{8}T\d{6}\d{6}Z-p\d+\.db$")


class BackupRefused(TimelineError):
    """A backup asked of a PostgreSQL database: its own tools do that."""

    def __init__(self) -> None:
        super().__init__(
            "on PostgreSQL, back up with the database's own tools: pg_dump for a logical copy, "
            "pg_basebackup with WAL archiving for point-in-time recovery (or your provider's "
            "managed backups); `timeline export FILE` writes a verifiable copy of the log itself"
        )


class BackupResult(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    position: int
    hash: str
    removed: list[str]


def backup(store: EventStore, folder: str | Path, *, keep: int = 7) -> BackupResult:
    """Copy the live database into `folder`, verify the copy's chain, keep the newest `keep`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    head = store.head()
    stamp = utc_now().strftime("%Y%m%dT%H%M%S%f") + "Z"
    final = folder / f"timeline-{stamp}-p{head.position}.db"
    partial = final.with_suffix(".partial")
    target = sqlite3.connect(partial)
    try:
        with store._lock:  # the backup API reads through the store's own connection
            store.conn.backup(target)
    finally:
        target.close()
    copied = _verified(partial)
    if copied.position < head.position:  # pragma: no cover - the backup is a later snapshot
        raise StoreUnavailable(str(partial), "backup is behind the head it was taken at")
    os.replace(partial, final)
    removed = _prune(folder, keep)
    return BackupResult(path=str(final), position=copied.position, hash=copied.hash, removed=removed)


class _Verified(msgspec.Struct):
    position: int
    hash: str


def _verified(path: Path) -> _Verified:
    """Open a database file read-only enough to walk its chain; raise if it does not verify."""
    copy = EventStore.open(path, create=False)
    try:
        position = copy.verify()
        return _Verified(position=position, hash=copy.head().hash)
    finally:
        copy.close()


def _prune(folder: Path, keep: int) -> list[str]:
    backups = sorted(p for p in folder.iterdir() if _NAME.match(p.name))
    old = backups[: max(0, len(backups) - keep)]
    for path in old:
        path.unlink()
    return [str(p) for p in old]


def taken_at(path: Path) -> datetime:
    """When a backup was taken, from the UTC stamp in its name."""
    stamp = path.name.removeprefix("timeline-").split("Z-p", 1)[0]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)


def list_backups(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if _NAME.match(p.name)) if folder.is_dir() else []


def restore(backup_file: str | Path, db_path: str | Path) -> _Verified:
    """Replace the database at `db_path` with a verified backup (stop the service first)."""
    backup_file, db_path = Path(backup_file), Path(db_path)
    checked = _verified(backup_file)
    staging = db_path.with_name(db_path.name + f".restore-{datetime.now().timestamp():.0f}")
    source = sqlite3.connect(backup_file)
    target = sqlite3.connect(staging)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    os.replace(staging, db_path)
    restored = _verified(db_path)
    if (restored.position, restored.hash) != (checked.position, checked.hash):  # pragma: no cover
        raise StoreUnavailable(str(db_path), "restored file differs from the backup")
    return restored
