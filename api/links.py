"""Absolute links in answers, built from `base_url` (or the request's own address)."""

from __future__ import annotations

from urllib.parse import urlencode

from api.models import ProgrammeLinks, RegionLinks


def webcal(url: str) -> str:
    """The same feed for calendar apps: `webcal://` in place of http(s)://."""
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url


def region_url(base: str, code: str) -> str:
    return f"{base}/regions/{code}"


def region_links(base: str, code: str) -> RegionLinks:
    feed = f"{base}/feeds/regions/{code}.ics"
    return RegionLinks(
        url=region_url(base, code),
        timeline=f"{base}/regions/{code}/timeline",
        status=f"{base}/regions/{code}/status",
        feed=feed,
        webcal=webcal(feed),
    )


def programme_url(base: str, slug: str) -> str:
    return f"{base}/programmes/{slug}"


def programme_links(base: str, slug: str) -> ProgrammeLinks:
    feed = f"{base}/feeds/programmes/{slug}.ics"
    return ProgrammeLinks(
        url=programme_url(base, slug),
        regions=f"{base}/programmes/{slug}/regions",
        feed=feed,
        webcal=webcal(feed),
    )


def source_url(base: str, source_id: str) -> str:
    return f"{base}/sources/{source_id}"


def event_url(base: str, event_id: str) -> str:
    return f"{base}/events/{event_id}"


def with_query(path: str, params: list[tuple[str, str]]) -> str:
    """`path` with the given query parameters, encoded."""
    return path + ("?" + urlencode(params) if params else "")
