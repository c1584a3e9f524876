"""Compression, validators and the odd corners of HTTP (issue 18): gzip and brotli for answers
over 1 KB with `Vary` and an ETag per encoding, compressed bodies cached rather than
recompressed, one charset, /favicon.ico, and problems for unknown paths under /schema."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from litestar.testing import TestClient

import api.encoding
from events.store import EventStore
from tests.test_api_support import AUTH, new_event, open_client, seeded_settings

PROBLEM = "application/problem+json"
BIG = [
    "/widget.js",
    "/regions/140700/timeline?descendants=true",
    "/feeds/regions/140700.ics?spans=1",
    "/embed/regions/140700",
    "/schema/openapi.json",
]


@pytest.fixture
def client(store: EventStore, db_path: Path) -> Iterator[TestClient]:
    yield from open_client(seeded_settings(store, db_path))


def get_raw(client: TestClient, path: str, encoding: str, **headers: str) -> object:
    """The response with its body still encoded (httpx would decode it otherwise)."""
    with client.stream("GET", path, headers={"Accept-Encoding": encoding, **headers}) as response:
        response.raw_body = b"".join(response.iter_raw())  # type: ignore[attr-defined]
    return response


@pytest.mark.parametrize("path", BIG)
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_big_answers_are_compressed_with_vary_and_their_own_etag(
    client: TestClient, path: str, encoding: str
) -> None:
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and len(plain.content) > 1024
    assert "content-encoding" not in plain.headers
    packed = get_raw(client, path, encoding)
    assert packed.status_code == 200  # type: ignore[attr-defined]
    assert packed.headers["content-encoding"] == encoding  # type: ignore[attr-defined]
    assert "accept-encoding" in packed.headers["vary"].lower()  # type: ignore[attr-defined]
    body = packed.raw_body  # type: ignore[attr-defined]
    assert len(body) < len(plain.content) / 2
    assert int(packed.headers["content-length"]) == len(body)  # type: ignore[attr-defined]
    unpacked = {"gzip": gzip.decompress, "br": brotli.decompress}[encoding](body)
    assert unpacked == plain.content
    if "etag" in plain.headers:
        assert "accept-encoding" in plain.headers["vary"].lower()
        etag = packed.headers["etag"]  # type: ignore[attr-defined]
        assert etag != plain.headers["etag"]
        again = get_raw(client, path, encoding, **{"If-None-Match": etag})
        assert again.status_code == 304  # type: ignore[attr-defined]
        other = get_raw(client, path, "identity", **{"If-None-Match": etag})
        assert other.status_code == 200  # type: ignore[attr-defined]


def test_the_best_accepted_encoding_wins_and_q0_refuses() -> None:
    choose = api.encoding.negotiate
    assert choose("gzip, deflate, br") == "br"
    assert choose("gzip;q=1.0, br;q=0.5") == "gzip"
    assert choose("br;q=0, gzip") == "gzip"
    assert choose("*") == "br"
    assert choose("identity") is None and choose("") is None and choose(None) is None
    assert choose("gzip;q=0, br;q=0") is None
    assert choose("GZIP") == "gzip"
    assert choose("gzip;q=abc") is None


def test_small_answers_go_as_they_are(client: TestClient) -> None:
    small = get_raw(client, "/sources/test-doc", "gzip")  # 314 bytes
    assert small.status_code == 200 and "content-encoding" not in small.headers  # type: ignore[attr-defined]


def test_the_cache_keeps_compressed_bodies_and_does_not_recompress(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    compress = api.encoding.compress
    monkeypatch.setattr(api.encoding, "compress", lambda body, enc: calls.append(enc) or compress(body, enc))
    for path in ("/regions/140700/timeline?descendants=true", "/feeds/regions/140700.ics?spans=1"):
        for _ in range(3):
            assert get_raw(client, path, "gzip").headers["content-encoding"] == "gzip"  # type: ignore[attr-defined]
    assert calls == ["gzip", "gzip"]
    client.post("/events", json=new_event(regions=["140700"]), headers=AUTH)
    get_raw(client, "/regions/140700/timeline?descendants=true", "gzip")
    assert calls == ["gzip", "gzip", "gzip"]


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/widget.js", "text/javascript; charset=utf-8"),
        ("/static/home.js", "text/javascript; charset=utf-8"),
        ("/static/site.css", "text/css; charset=utf-8"),
        ("/embed/regions/140781", "text/html; charset=utf-8"),
    ],
)
def test_text_answers_name_their_charset_once(client: TestClient, path: str, media: str) -> None:
    assert client.get(path).headers["content-type"] == media


def test_a_favicon_is_served(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # the ICO header: reserved 0, type 1 (icon)
    assert "max-age" in icon.headers["cache-control"]


@pytest.mark.parametrize("path", ["/schema/redoc", "/schema/nope", "/schema/a/b", "/schema/openapi.yaml"])
def test_unknown_paths_under_schema_are_problems(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert response.json()["instance"] == path
    assert client.get("/schema").status_code == 200
    assert client.get("/schema/swagger").status_code == 200
