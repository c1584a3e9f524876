"""Loading the curated seed files (`seeds/`) into the catalogues and the log.

Layout: `regions.toml` (the gazetteer, see `timeline.gazetteer`), `programmes.toml`
([[programme]]), `sources.toml` ([[source]]) and `milestones/*.toml` ([[milestone]], each with
a stable `id`). A milestone's event id is derived from its id, so loading twice appends nothing
the second time, and a correction names the milestone it corrects by that id (`corrects = "some-id"`).

Everything is validated before anything is written; each problem names its file and item.
"""

from __future__ import annotations

import re
import tomllib
import uuid
from pathlib import Path
from typing import Any

import msgspec

from events.envelope import NewEvent
from events.errors import FieldProblem, InvalidEvent, UnknownReference
from events.reference import Programme, Reference, Region, SourceDocument, entry_key
from events.store import EventStore
from events.submissions import prepare
from events.text import text_problems
from events.types import encode_event
from timeline.catalogue import definitions
from timeline.gazetteer.build import build_regions

SEED_NAMESPACE = uuid.UUID("3b0f4c4e-2a8e-4d0b-9a57-6c1f0d2e7b11")
# Regions come from the gazetteer (timeline/gazetteer): an imported table plus regions.toml.
CATALOGUES: tuple[tuple[str, str, type], ...] = (
    ("programmes.toml", "programme", Programme),
    ("sources.toml", "source", SourceDocument),
)
AMENDMENT_TARGET = {"milestone_corrected": "corrects", "milestone_retracted": "retracts"}


class LoadReport(msgspec.Struct, kw_only=True):
    regions: int
    programmes: int
    sources: int
    defined: int  # catalogue entries new or changed, each now defined by an event
    appended: int  # milestones
    already_present: int


def seed_event_id(seed_id: str) -> uuid.UUID:
    """The permanent event id of a curated milestone."""
    return uuid.uuid5(SEED_NAMESPACE, f"milestone:{seed_id}")


def _read_toml(path: Path, key: str, problems: list[FieldProblem]) -> list[dict[str, Any]]:
    try:
        with path.open("rb") as f:
            items = tomllib.load(f).get(key, [])
    except FileNotFoundError:
        problems.append(FieldProblem(path.name, "file is missing"))
        return []
    except tomllib.TOMLDecodeError as e:
        problems.append(FieldProblem(path.name, f"not valid TOML: {e}"))
        return []
    if not isinstance(items, list):
        problems.append(FieldProblem(path.name, f"expected [[{key}]] tables"))
        return []
    return items


def _label(file: str, key: str, index: int, item: Any, id_field: str) -> str:
    name = item.get(id_field) if isinstance(item, dict) else None
    return f"{file}: {key}[{index}]" + (f" ({name})" if name else "")


def read_catalogues(folder: Path, problems: list[FieldProblem]) -> list[msgspec.Struct]:
    entries: list[msgspec.Struct] = [*build_regions(folder, problems)]
    for file, key, cls in CATALOGUES:
        id_field = "slug" if cls is Programme else "id"
        seen: set[str] = set()
        for index, item in enumerate(_read_toml(folder / file, key, problems)):
            label = _label(file, key, index, item, id_field)
            try:
                entry = msgspec.convert(item, type=cls)
            except msgspec.ValidationError as e:
                problems.append(FieldProblem(label, str(e)))
                continue
            problems += [
                FieldProblem(label, f"{p.message} - at `{p.path}`") for p in text_problems(entry, "$")
            ]
            ident = getattr(entry, id_field)
            if ident in seen:
                problems.append(FieldProblem(label, f"duplicate {id_field} {ident!r}"))
            seen.add(ident)
            entries.append(entry)
    return entries


def read_milestones(folder: Path, problems: list[FieldProblem]) -> tuple[list[Any], list[str]]:
    """Submissions (with derived event ids and streams) and a label for each."""
    files = sorted((folder / "milestones").glob("*.toml"))
    if not files:
        problems.append(FieldProblem("milestones/", "no milestone files (*.toml)"))
    raw: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, str] = {}
    for path in files:
        for index, item in enumerate(_read_toml(path, "milestone", problems)):
            label = _label(f"milestones/{path.name}", "milestone", index, item, "id")
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                problems.append(FieldProblem(label, "every milestone needs a text `id`"))
                continue
            if item["id"] in seen:
                problems.append(
                    FieldProblem(label, f"duplicate id {item['id']!r} (also in {seen[item['id']]})")
                )
                continue
            seen[item["id"]] = label
            raw.append((label, item))
    submissions, labels = [], []
    for label, item in raw:
        event = dict(item)
        seed_id = event.pop("id")
        stream = f"milestone-{seed_id}"
        target_field = AMENDMENT_TARGET.get(event.get("type", ""))
        if target_field:
            target = event.get(target_field)
            if target not in seen:
                problems.append(
                    FieldProblem(
                        f"{label}: $.{target_field}", f"No milestone with id {target!r} in the seeds"
                    )
                )
                continue
            event[target_field] = str(seed_event_id(target))
            stream = f"milestone-{target}"
        elif event.get("type") == "source_dated":  # a doubt about a document goes to its stream
            stream = f"source-{event.get('document')}"
        submissions.append({"event": event, "stream": stream, "event_id": str(seed_event_id(seed_id))})
        labels.append(f"{label}: $")
    return submissions, labels


def load_seeds(store: EventStore, folder: str | Path) -> LoadReport:
    """Validate every seed file, then append, in one transaction, a defining event for each new
    or changed catalogue entry and the milestones not yet in the log."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidEvent([FieldProblem(str(folder), "no such seeds folder")])
    problems: list[FieldProblem] = []
    catalogues = read_catalogues(folder, problems)
    labelled = _labels(catalogues)
    defined = definitions(store, catalogues)  # type: ignore[arg-type]
    submissions, labels = read_milestones(folder, problems)
    try:
        prepared = prepare(
            [item for _, item in defined] + submissions,
            Reference(store.db),
            store,
            paths=[labelled[id(entry)] for entry, _ in defined] + labels,
            problems=problems,
        )
    except InvalidEvent as e:
        raise InvalidEvent([FieldProblem(_seed_path(p.path), p.message) for p in e.problems]) from None
    catalogue_events, milestones = prepared[: len(defined)], prepared[len(defined) :]
    fresh, present = _new_only(store, milestones, labels)
    if catalogue_events or fresh:
        store.import_events([*catalogue_events, *fresh])
    counts = {cls: sum(isinstance(c, cls) for c in catalogues) for cls in (Region, Programme, SourceDocument)}
    return LoadReport(
        regions=counts[Region],
        programmes=counts[Programme],
        sources=counts[SourceDocument],
        defined=len(catalogue_events),
        appended=len(fresh),
        already_present=present,
    )


def _labels(catalogues: list[msgspec.Struct]) -> dict[int, str]:
    """`programmes.toml: programme[2] (dip): $`, by entry identity, to name an entry in problems.

    A region has no single place in a file (imported, or curated and overridden): its code names it.
    """
    labels, counts = {}, dict.fromkeys((c[2] for c in CATALOGUES), 0)
    for entry in catalogues:
        if isinstance(entry, Region):
            labels[id(entry)] = f"regions.toml: region ({entry.code}): $"
            continue
        file, key, cls = next(c for c in CATALOGUES if isinstance(entry, c[2]))
        labels[id(entry)] = f"{file}: {key}[{counts[cls]}] ({entry_key(entry)}): $"  # type: ignore[arg-type]
        counts[cls] += 1
    return labels


def _seed_path(path: str) -> str:
    """A seed entry is the event itself: say `$.occurred`, not `$.event.occurred`, and a region's
    `$.parent`, not `$.event.region.parent`."""
    return _CATALOGUE_FIELD.sub(": $", path.replace(": $.event", ": $"))


_CATALOGUE_FIELD = re.compile(r": \$\.(region|programme|source)(?=[.\[]|$)")


def _new_only(store: EventStore, prepared: list[NewEvent], labels: list[str]) -> tuple[list[NewEvent], int]:
    """Drop milestones already in the log; refuse ones whose curated text was edited since."""
    fresh, present, problems = [], 0, []
    for item, label in zip(prepared, labels, strict=True):
        try:
            logged = store.get(item.event_id)  # type: ignore[arg-type]
        except UnknownReference:
            fresh.append(item)
            continue
        present += 1
        if encode_event(logged.event) != encode_event(item.event):
            problems.append(
                FieldProblem(
                    label,
                    "differs from the event already in the log; "
                    "logged events are immutable: add a correction",
                )
            )
    if problems:
        raise InvalidEvent(problems)
    return fresh, present
