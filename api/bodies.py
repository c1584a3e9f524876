"""Request bodies of the write routes: reading them (media type, size, JSON) and their shapes."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request
from msgspec import Meta

from api.errors import BadBody
from events.errors import InvalidEvent, field_problem
from events.types import LongText, Sources

S = TypeVar("S", bound=msgspec.Struct)


class CorrectionBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A correction of a milestone: the new value of each changed field, why, and on what source."""

    changes: Annotated[dict[str, Any], Meta(min_length=1, max_length=30)]
    reason: LongText
    sources: Sources
    expected_version: Annotated[int, Meta(ge=0)] | None = None


class RetractionBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A retraction of a milestone found to be wrong: why, and on what source."""

    reason: LongText
    sources: Sources
    expected_version: Annotated[int, Meta(ge=0)] | None = None


def _number(text: str) -> float | int:
    """JSON numbers with a fraction: `3.0` is the integer 3 to JSON Schema (and to the OpenAPI
    document), so it is accepted where an integer is expected (`expected_version`)."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) <= 2**53 else value


_decode = msgspec.json.Decoder(float_hook=_number).decode


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def read_json(request: Request) -> Any:
    """The decoded JSON body; 415 for another media type, 413 past the size limit, 400 if not JSON.

    The size limit (`max_body_bytes`) is Litestar's `request_max_body_size`: it refuses an
    announced Content-Length over the limit before reading, and counts the bytes as they come.
    """
    content_type = request.headers.get("content-type", "")
    if not _is_json(content_type):
        shown = content_type or "no Content-Type"
        raise BadBody(415, "Unsupported media type", f"Writes take `application/json`, not {shown}.")
    body = await request.body()
    if not body.strip():
        raise BadBody(400, "Empty body", "The request body is empty; send a JSON event or array of events.")
    try:
        return _decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError) as e:  # invalid UTF-8 inside a string
        raise BadBody(400, "Malformed JSON", f"The request body is not valid JSON: {e}.") from None
    except RecursionError:  # msgspec gives up past about a thousand levels of nesting
        raise BadBody(400, "Malformed JSON", "The request body is nested too deeply.") from None


def convert_body(body: Any, shape: type[S]) -> S:
    """A decoded JSON body as `shape`, or a 422 problem naming the field that does not fit."""
    try:
        return msgspec.convert(body, type=shape)
    except msgspec.ValidationError as e:
        raise InvalidEvent([field_problem(str(e))]) from None
