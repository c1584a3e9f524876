"""The gazetteer: every administrative division of China, with names, aliases, points and history.

The national table is imported from an openly licensed data package (`package.py`), named in
Chinese, pinyin and English (`names.py`), and completed by the curated `seeds/regions.toml`
(`curated.py`, `build.py`): conventional English names, abbreviations and every code change
the curators could source. `matcher.py` finds regions named in a Chinese text.
"""

from __future__ import annotations

from pathlib import Path

from events.errors import FieldProblem, InvalidEvent
from events.store import EventStore
from timeline.catalogue import define_catalogue
from timeline.gazetteer.build import build_regions


def load_gazetteer(store: EventStore, folder: str | Path) -> int:
    """Append a `region_defined` event for each region of the seeds folder's gazetteer that is
    new or changed (none the second time); returns how many were appended."""
    problems: list[FieldProblem] = []
    regions = build_regions(Path(folder), problems)
    if problems:
        raise InvalidEvent(problems)
    result = define_catalogue(store, regions)
    return 0 if result is None else result.last_position - result.first_position + 1


def has_gazetteer(folder: str | Path) -> bool:
    """Whether a seeds folder defines regions at all (a bare database has none to load)."""
    return (Path(folder) / "regions.toml").is_file()
