"""Field types shared by events and the catalogues they point at (regions, programmes, sources).

They live apart from `events.types` so that `events.reference` can use them while the event
types embed catalogue entries (`RegionDefined.region`) without an import cycle.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

# Free text: no NUL or other control characters except tab, CR and LF.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Line = Annotated[str, Meta(min_length=1, max_length=300, pattern=TEXT_PATTERN)]
Paragraph = Annotated[str, Meta(min_length=1, max_length=4000, pattern=TEXT_PATTERN)]
RegionCode = Annotated[str, Meta(pattern=r"^[0-9]{6}$", description="GB/T 2260 division code")]
Slug = Annotated[str, Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
EdtfText = Annotated[str, Meta(min_length=1, max_length=64, description="EDTF date")]


class Text(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A short text in Chinese and English."""

    zh: Line
    en: Line


class LongText(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A paragraph in Chinese and English."""

    zh: Paragraph
    en: Paragraph
