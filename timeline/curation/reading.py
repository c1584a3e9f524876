"""Reading a document file: decoding, normalisation and the content address of its text.

A curator brings files saved by browsers and office tools, so three encodings are accepted:
UTF-8 (with or without a byte-order mark), UTF-16 (with a byte-order mark, or recognisable by
its zero bytes) and GB18030 (a superset of GBK and GB2312, still common for Chinese files).
Anything else is refused with a message saying so, rather than archiving mojibake.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata

from events.errors import TimelineError

# Control characters other than tab and newline never occur in a real document's text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING_SPACE = re.compile(r"[ \t\u3000]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")


class DocumentUnreadable(TimelineError, ValueError):
    """The bytes are not text in UTF-8, UTF-16 or GB18030."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(
            f"{name}: cannot read the document ({reason}); save it as UTF-8, UTF-16 or GB18030 text"
        )


def _looks_like_utf16(raw: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when zero bytes sit on one side of most code units."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    even_zeros = raw[0::2].count(0) / (len(raw) / 2)
    odd_zeros = raw[1::2].count(0) / (len(raw) / 2)
    # ASCII-heavy UTF-16 has a zero in nearly every unit; Chinese text has few zeros at all, so
    # without a byte-order mark only the ASCII-heavy case is recognisable.
    if odd_zeros > 0.3 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.3 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _plausible_chinese(text: str) -> bool:
    """Whether GB18030-decoded text reads as Chinese rather than mojibake of another encoding.

    GB18030 maps almost any byte pair to some character, so a Latin-1 or Shift-JIS file decodes
    without error; its result is full of rare code points outside common CJK and punctuation."""
    common = sum(
        1
        for ch in text
        if ch.isascii()
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
    )
    return common >= 0.97 * len(text)


def decode_document(raw: bytes, name: str = "document") -> tuple[str, str]:
    """The text of a document file and the encoding it was read in."""
    if not raw.strip():
        raise DocumentUnreadable(name, "the file is empty")
    if raw.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        utf16 = _looks_like_utf16(raw)
        candidates = [utf16] if utf16 else ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text) or (encoding == "gb18030" and not _plausible_chinese(text)):
            continue  # binary data, or text in another encoding, that happens to decode
        return text, encoding.replace("-sig", "")
    tried = " or ".join(candidates)
    raise DocumentUnreadable(name, f"the bytes are not valid {tried} text")


def normalise(text: str) -> str:
    """The canonical form of a document's text, which its content address is taken of.

    Unicode NFC (so visually equal text hashes equally), one kind of line break, no trailing
    spaces, at most one blank line in a row, no blank lines at either end. Full-width digits and
    punctuation are kept: they are part of what the document says."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _TRAILING_SPACE.sub("\n", text + "\n")
    return _BLANK_RUNS.sub("\n\n", text).strip("\n") + "\n"


def content_address(normalised_text: str) -> str:
    """SHA-256 of the normalised text's UTF-8 bytes, in hex."""
    return hashlib.sha256(normalised_text.encode("utf-8")).hexdigest()


def read_document(raw: bytes, name: str = "document") -> str:
    """Decoded and normalised text of a document file."""
    text, _ = decode_document(raw, name)
    return normalise(text)
