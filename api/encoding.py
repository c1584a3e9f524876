"""Compressed answers: gzip, and brotli when the `brotli` package is installed.

Everything goes through Litestar's compression: its middleware (`COMPRESSION`) for answers
computed afresh each time (the OpenAPI document, problems), and its compression facades,
with the same settings, for the answers the service keeps in memory (JSON views, feeds,
pages, the widget's files). Those are compressed once per encoding and the compressed bytes
kept beside the plain ones, so a cached answer is never compressed again; their routes opt
out of the middleware (`ENCODED` in a route's `opt`).

A compressed answer is another representation: it gets its own ETag (the plain one with
`-gzip` or `-br` appended), and every answer that may be compressed says
`Vary: Accept-Encoding`, so caches keep the representations apart.
"""

from __future__ import annotations

import importlib.util
from datetime import datetime
from io import BytesIO
from typing import Any

import anyio.to_thread
from litestar.config.compression import CompressionConfig
from litestar.middleware.compression.facade import CompressionFacade
from litestar.middleware.compression.gzip_facade import GzipCompression

MIN_SIZE = 1024  # below this, compression saves too little to be worth a round of it
ENCODED = "encoded"  # `opt` key of routes that compress their cached answers themselves
# Bodies larger than this are compressed in a worker thread (an 11 MB feed takes a while).
INLINE_LIMIT = 256 * 1024
BROTLI = importlib.util.find_spec("brotli") is not None
PREFERENCE = ("br", "gzip") if BROTLI else ("gzip",)

COMPRESSION = CompressionConfig(
    backend="brotli" if BROTLI else "gzip",
    minimum_size=MIN_SIZE,
    gzip_compress_level=6,  # level 9 costs twice the time for about 1% less on these answers
    brotli_gzip_fallback=True,
    exclude_opt_key=ENCODED,
)


def _facade(encoding: str, buffer: BytesIO) -> CompressionFacade:
    if encoding == "br":
        from litestar.middleware.compression.brotli_facade import BrotliCompression

        return BrotliCompression(buffer=buffer, compression_encoding=encoding, config=COMPRESSION)
    return GzipCompression(buffer=buffer, compression_encoding=encoding, config=COMPRESSION)


def compress(body: bytes, encoding: str) -> bytes:
    """`body` compressed with Litestar's facade for `encoding` (`gzip` or `br`)."""
    buffer = BytesIO()
    facade = _facade(encoding, buffer)
    facade.write(body)
    facade.close()
    return buffer.getvalue()


def negotiate(accept_encoding: str | None) -> str | None:
    """The encoding to answer in: the client's most preferred one we have (ours break ties),
    or None for the plain body. `q=0` refuses an encoding; `*` stands for any."""
    if not accept_encoding:
        return None
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0  # an unreadable weight is no consent
        weights[name.strip().lower()] = q
    best, best_q = None, 0.0
    for encoding in PREFERENCE:
        q = weights.get(encoding, weights.get("*", 0.0))
        if q > best_q:
            best, best_q = encoding, q
    return best


def variant_etag(etag: str, encoding: str | None) -> str:
    """The ETag of one representation: `"abc"` plain, `"abc-gzip"` compressed."""
    return etag if encoding is None else f'{etag[:-1]}-{encoding}"'


class Encoded:
    """A cached body and its compressed forms, made the first time each is asked for."""

    __slots__ = ("body", "etag", "last_modified", "owner", "variants")

    def __init__(self, body: bytes, etag: str = "", last_modified: datetime | None = None) -> None:
        self.body = body
        self.variants: dict[str, bytes] = {}
        self.etag = etag  # for answers whose ETag derives from their content
        self.last_modified = last_modified
        self.owner: Any = None  # the cache holding it, told when a compressed form is added

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(v) for v in self.variants.values())

    def encoding_for(self, accept_encoding: str | None) -> str | None:
        return negotiate(accept_encoding) if len(self.body) >= MIN_SIZE else None

    async def representation(self, encoding: str | None) -> bytes:
        """The body in `encoding` (None: as it is)."""
        if encoding is None:
            return self.body
        packed = self.variants.get(encoding)
        if packed is None:
            if len(self.body) > INLINE_LIMIT:
                packed = await anyio.to_thread.run_sync(compress, self.body, encoding)
            else:
                packed = compress(self.body, encoding)
            self.variants[encoding] = packed
            if self.owner is not None:
                self.owner.grew(len(packed))
        return packed


def vary(headers: dict[str, str], size: int) -> dict[str, str]:
    """`headers` with `Vary: Accept-Encoding` when a body of `size` bytes may be compressed."""
    if size >= MIN_SIZE:
        headers["vary"] = "Accept-Encoding"
    return headers
