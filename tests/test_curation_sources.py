"""The five source documents are recognised by content address: each file in
`../shared/sources/` normalises to the `text_sha256` of exactly one entry in `seeds/sources.toml`,
and extraction runs on each of them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from events.errors import FieldProblem
from events.reference import Programme, Region, SourceDocument
from timeline.curation.extract import Extractor
from timeline.curation.reading import content_address, read_document
from timeline.curation.rules import load_cue_rules, load_date_rules
from timeline.seeds import read_catalogues

REPO = Path(__file__).resolve().parents[1]
SHARED_SOURCES = REPO.parent / "shared" / "sources"


def test_each_source_file_matches_one_seeded_source_by_its_text_hash() -> None:
    problems: list[FieldProblem] = []
    catalogues = read_catalogues(REPO / "seeds", problems)
    assert not problems
    sources = {s.text_sha256: s for s in catalogues if isinstance(s, SourceDocument)}
    files = sorted(SHARED_SOURCES.glob("*.txt"))
    assert len(files) == 5
    matched = {sources[content_address(read_document(f.read_bytes(), f.name))].id for f in files}
    assert len(matched) == 5
    extractor = Extractor(
        date_rules=load_date_rules(REPO / "seeds"),
        cue_rules=load_cue_rules(REPO / "seeds"),
        regions=[c for c in catalogues if isinstance(c, Region)],
        programmes=[c for c in catalogues if isinstance(c, Programme)],
    )
    for f in files:
        text = read_document(f.read_bytes(), f.name)
        source = sources[content_address(text)]
        published = date.fromisoformat(source.published.rstrip("?")[:10])
        candidates = extractor.extract(source=source.id, text=text, published=published, region=source.region)
        assert candidates, source.id
