"""The drop folder: event files appended as they arrive, each content exactly once.

A file is keyed by what it holds (`drop:sha256:<hex>`), not by its name: a name used again for
new content is a new import, and the same content under any name is appended once. Reading never
blocks or follows links: each entry is opened with O_NOFOLLOW | O_NONBLOCK and read only when it
is a regular file (a FIFO, a directory named `x.json` or a symlink is left where it is and
counted as skipped). A file that cannot be read or appended moves to `failed/` beside a
`<name>.error.txt` report, so the files after it still import. `done/` and `failed/` must be
real directories, never links, and nothing in them is ever overwritten.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import stat
from pathlib import Path

from events.errors import ConcurrencyError, IdempotencyConflict, InvalidEvent, TimelineError
from events.submissions import DROP_KEY_PREFIX
from timeline.database import open_store
from timeline.event_files import append_bytes
from timeline.logs import said
from timeline.settings import Settings

log = logging.getLogger("timeline.drop")
SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
# Problems of one file (its content, or a stale expected version in it): it goes to failed/.
FILE_PROBLEMS = (InvalidEvent, IdempotencyConflict, ConcurrencyError)


class UnsafeFolder(TimelineError):
    def __init__(self, folder: Path) -> None:
        super().__init__(f"{folder} is not a real directory (a link?): refusing to move files there")


def content_key(raw: bytes) -> str:
    return f"{DROP_KEY_PREFIX}sha256:{hashlib.sha256(raw).hexdigest()}"


def read_regular(path: Path) -> bytes | None:
    """The bytes of `path` if it is a regular file, None for anything else (never blocks)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENXIO, errno.ENOENT):  # a link, a socket, gone meanwhile
            return None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def real_directory(folder: Path) -> Path:
    """`folder`, created if missing; an UnsafeFolder error if it is a link or not a directory."""
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        folder.mkdir()
        return folder
    if not stat.S_ISDIR(mode):  # lstat: a symlink to a directory is refused too
        raise UnsafeFolder(folder)
    return folder


def free_name(folder: Path, name: str, key: str) -> Path:
    """`folder/name`, or a name marked with the content hash when that one is taken."""
    target = folder / name
    if not os.path.lexists(target):
        return target
    stem, suffix = os.path.splitext(name)
    for n in range(1000):
        target = folder / f"{stem}.{key[-12:]}{f'-{n}' if n else ''}{suffix}"
        if not os.path.lexists(target):
            return target
    raise FileExistsError(folder / name)


def set_aside(path: Path, failed: Path, key: str, report: str) -> None:
    """Move `path` into `failed` with its report; neither ever replaces an existing file."""
    target = free_name(failed, path.name, key)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(target.with_name(target.name + ".error.txt"), flags, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(report.rstrip("\n") + "\n")
    os.rename(path, target)


def import_drop_folder(settings: Settings) -> str:
    """Append each event file in the drop folder; a bad file is moved aside with a report."""
    if not settings.drop_dir:
        return "no drop folder configured"
    folder = Path(settings.drop_dir)
    # Both checked before anything moves: a linked failed/ once overwrote a file elsewhere.
    done, failed = real_directory(folder / "done"), real_directory(folder / "failed")
    candidates = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
    counts = {"imported": 0, "already imported": 0, "rejected": 0, "skipped": 0}
    store = open_store(settings, create=True)
    try:
        for path in candidates:
            try:
                raw = read_regular(path)
            except OSError as e:
                set_aside(path, failed, content_key(b""), f"{path.name}: cannot read: {e.strerror or e}")
                counts["rejected"] += 1
                continue
            if raw is None:
                counts["skipped"] += 1
                continue
            key = content_key(raw)
            try:
                result = append_bytes(store, raw, path.name, idempotency_key=key)
            except FILE_PROBLEMS as e:
                problems = getattr(e, "problems", None)
                report = "\n".join(f"{p.path}: {p.message}" for p in problems) if problems else str(e)
                set_aside(path, failed, key, report)
                counts["rejected"] += 1
                continue
            os.rename(path, free_name(done, path.name, key))
            counts["already imported" if result.replayed else "imported"] += 1
    finally:
        store.close()
    if counts["skipped"]:
        log.warning("drop folder: skipped %d entries that are not regular files", counts["skipped"])
    message = f"imported {counts['imported']} file(s), rejected {counts['rejected']}"
    extra = ("already imported", "skipped")
    message += "".join(f", {n} {what}" for what, n in counts.items() if n and what in extra)
    return said(message, counts["imported"] + counts["already imported"] + counts["rejected"])
