"""Extraction for a registered source: its archived text, the catalogues and rules, the log.

The CLI (`timeline extract`) and the API (`GET /sources/{id}/candidates`) both come through
`extracted`, so both propose the same candidates with the same ids.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from events.dates import parse_edtf
from events.errors import TimelineError
from events.reference import Reference
from events.store import EventStore
from timeline.curation.candidates import Candidate
from timeline.curation.extract import Extractor
from timeline.curation.recorded import known_milestones, mark_recorded
from timeline.curation.rules import load_cue_rules, load_date_rules


class NoArchivedText(TimelineError, LookupError):
    """A source is catalogued but no text was registered with it."""

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id
        super().__init__(
            f"Source {source_id!r} has no archived text; register its document with "
            "`timeline sources add FILE` (or POST /sources)"
        )


def archived_text(reference: Reference, source_id: str) -> str:
    """The normalised text registered with a source (UnknownReference if there is no source)."""
    archived = reference.source_text(source_id)
    if archived is None or archived.text is None:
        raise NoArchivedText(source_id)
    return archived.text


def publication_day(published: str) -> date:
    """The day a source appeared: its EDTF `published`, to the latest day it may mean."""
    value = parse_edtf(published)
    day = value.latest or value.earliest
    assert day is not None
    return day


def extractor_for(reference: Reference, seeds_dir: str | Path) -> Extractor:
    return Extractor(
        date_rules=load_date_rules(seeds_dir),
        cue_rules=load_cue_rules(seeds_dir),
        regions=reference.regions(),
        programmes=reference.programmes(),
    )


def extracted(store: EventStore, source_id: str, seeds_dir: str | Path) -> list[Candidate]:
    """Candidates from a registered source's text, those the log already has marked (see
    `timeline.curation.review.open_candidates` for the ones not yet decided on)."""
    reference = Reference(store.db)
    source = reference.source(source_id)
    text = archived_text(reference, source_id)
    extractor = extractor_for(reference, seeds_dir)
    found = extractor.extract(
        source=source.id, text=text, published=publication_day(source.published), region=source.region
    )
    return mark_recorded(found, known_milestones(store))
