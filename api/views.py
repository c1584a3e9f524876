"""Turning catalogue entries into answers: shared by the region, programme and source routes."""

from __future__ import annotations

from api.links import programme_links, region_url, source_url
from api.models import ProgrammeView, RegionRef, SourceView
from events.reference import Programme, Reference, Region, SourceDocument
from projections.models import Basis, date_value


def head_basis(head: int) -> Basis:
    """The basis of an answer read from the log or the catalogues: the log head."""
    return Basis(position=head)


def region_ref(base: str, region: Region) -> RegionRef:
    return RegionRef(code=region.code, name=region.name, kind=region.kind, url=region_url(base, region.code))


def region_ref_of(base: str, reference: Reference, code: str) -> RegionRef:
    return region_ref(base, reference.region(code))


def programme_view(base: str, programme: Programme) -> ProgrammeView:
    return ProgrammeView(
        slug=programme.slug,
        name=programme.name,
        description=programme.description,
        statuses=list(programme.statuses),
        level=programme.level,
        inherits_down=programme.inherits_down,
        links=programme_links(base, programme.slug),
    )


def source_view(base: str, source: SourceDocument, *, archived: bool = False) -> SourceView:
    """A source's metadata; `archived` when its text is registered (then `text_url` links to it)."""
    return SourceView(
        id=source.id,
        title=source.title,
        publisher=source.publisher,
        published=date_value(source.published),
        kind=source.kind,
        url=source_url(base, source.id),
        document_url=source.url,
        locator_hint=source.locator_hint,
        region=source.region,
        text_url=f"{source_url(base, source.id)}/text" if archived else None,
    )
