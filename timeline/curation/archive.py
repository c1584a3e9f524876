"""The document archive: a source's text registered as an event, content-addressed.

`register_document` reads a file (UTF-8, UTF-16 or GB18030), normalises its text and appends a
`SourceRegistered` event carrying the text and its SHA-256, so the log's integrity covers the
text like every other fact. The same text twice is a no-op naming the existing source; a text
whose SHA-256 a seeded source already declares (`text_sha256` in `sources.toml`) is archived
under that source's id.
"""

from __future__ import annotations

import re

import msgspec

from events.dates import parse_edtf
from events.errors import FieldProblem, InvalidDate, InvalidEvent, field_problem
from events.reference import Reference, SourceDocument
from events.store import EventStore
from events.submissions import prepare
from events.types import Text
from timeline.curation.paragraphs import split_paragraphs
from timeline.curation.reading import content_address, read_document


class Registration(msgspec.Struct, frozen=True, kw_only=True):
    """What registering a document did: the source id, whether anything was appended, the text's
    SHA-256 and how many paragraphs it has."""

    source: str
    created: bool
    text_sha256: str
    paragraphs: int
    position: int | None = None


class DocumentMetadata(msgspec.Struct, frozen=True, kw_only=True):
    title: Text
    publisher: Text
    published: str
    kind: str = "news"
    url: str | None = None
    region: str | None = None
    id: str | None = None


def _declared(reference: Reference, sha256: str) -> SourceDocument | None:
    """A catalogued source (from the seeds) that declares this text's SHA-256 but has no text."""
    return next((s for s in reference.sources() if s.text_sha256 == sha256), None)


def default_id(metadata: DocumentMetadata, sha256: str) -> str:
    """`news-2024-06-20-1a2b3c4d`: the kind, the first day the publication date names and the
    text's hash, kept a slug within the 80-character limit whatever the kind and date are."""
    first = metadata.published.split("/")[0]
    day = re.sub(r"[^0-9-]", "", first)[:10].strip("-") or "undated"
    return f"{metadata.kind[:50].rstrip('-')}-{day}-{sha256[:8]}"


def _check(metadata: DocumentMetadata, reference: Reference) -> None:
    problems = []
    try:
        parse_edtf(metadata.published)
    except InvalidDate as e:
        problems.append(FieldProblem("$.published", e.reason))
    if metadata.region is not None and not reference.contains("region", metadata.region):
        problems.append(FieldProblem("$.region", f"No region with code {metadata.region!r}"))
    if problems:
        raise InvalidEvent(problems)


def _source(fields: dict[str, object]) -> SourceDocument:
    try:
        return msgspec.convert(fields, type=SourceDocument, from_attributes=True)
    except msgspec.ValidationError as e:  # e.g. an id that is not a slug
        raise InvalidEvent([field_problem(str(e))]) from None


def register_document(
    store: EventStore, raw: bytes, metadata: DocumentMetadata, *, name: str
) -> Registration:
    """Archive a document's text and metadata; the same text again appends nothing."""
    _check(metadata, Reference(store.db))
    text = read_document(raw, name)
    sha256 = content_address(text)
    paragraphs = len(split_paragraphs(text))
    reference = Reference(store.db)
    existing = reference.source_with_text(sha256)
    if existing is not None:
        return Registration(source=existing, created=False, text_sha256=sha256, paragraphs=paragraphs)
    declared = _declared(reference, sha256)
    if declared is not None:
        source = declared
    else:
        source_id = metadata.id or default_id(metadata, sha256)
        if reference.contains("source", source_id):
            raise InvalidEvent(
                [FieldProblem("$.id", f"source {source_id!r} exists with another text; choose another id")]
            )
        source = _source(
            {
                "id": source_id,
                "title": metadata.title,
                "publisher": metadata.publisher,
                "published": metadata.published,
                "kind": metadata.kind,
                "url": metadata.url,
                "region": metadata.region,
                "text_sha256": sha256,
            }
        )
    stream = f"source-{source.id}"
    submission = {
        "event": {
            "type": "source_registered",
            "source": msgspec.to_builtins(source),
            "text_sha256": sha256,
            "text": text,
        },
        "stream": stream,
        "expected_version": store.stream_version(stream),
    }
    result = store.append(prepare([submission], reference, store))
    return Registration(
        source=source.id,
        created=True,
        text_sha256=sha256,
        paragraphs=paragraphs,
        position=result.last_position,
    )
