"""Reading a document file: the encodings accepted, the error for others, the normalised text
and its content address, paragraphs and locators."""

from __future__ import annotations

import codecs
import hashlib
import unicodedata

import pytest
from articles import JINZHONG_NEWS

from timeline.curation.paragraphs import parse_locator, quote, sentences, split_paragraphs
from timeline.curation.reading import (
    DocumentUnreadable,
    content_address,
    decode_document,
    normalise,
    read_document,
)


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (JINZHONG_NEWS.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + JINZHONG_NEWS.encode("utf-8"), "utf-8"),
        (JINZHONG_NEWS.encode("gb18030"), "gb18030"),
        (JINZHONG_NEWS.encode("utf-16"), "utf-16"),  # with its byte-order mark
        (codecs.BOM_UTF16_BE + JINZHONG_NEWS.encode("utf-16-be"), "utf-16"),
    ],
)
def test_each_accepted_encoding_reads_to_the_same_text_and_address(encoded: bytes, encoding: str) -> None:
    text, detected = decode_document(encoded)
    assert detected == encoding
    assert normalise(text) == normalise(JINZHONG_NEWS)
    assert content_address(read_document(encoded)) == content_address(normalise(JINZHONG_NEWS))


def test_utf16_without_a_byte_order_mark_is_recognised_when_mostly_ascii() -> None:
    text = "Report 2024\n2024年6月18日 meeting held in Jinzhong\n" * 3
    assert decode_document(text.encode("utf-16-le"))[1] == "utf-16-le"
    assert decode_document(text.encode("utf-16-be"))[1] == "utf-16-be"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        ("Café crème, déjà vu à Paris".encode("latin-1"), "not valid utf-8 or gb18030"),
        (bytes(range(256)) * 4, "not valid"),
        ("晋中市召开会议".encode("shift_jis", errors="replace") + b"\x00\x01", "not valid"),
    ],
)
def test_other_bytes_are_refused_with_a_clear_error(raw: bytes, reason: str) -> None:
    with pytest.raises(DocumentUnreadable) as caught:
        decode_document(raw, "notice.txt")
    message = str(caught.value)
    assert message.startswith("notice.txt: cannot read the document")
    assert reason in message
    assert "UTF-8, UTF-16 or GB18030" in message


def test_normalisation_makes_equal_texts_hash_equally() -> None:
    decomposed = unicodedata.normalize("NFD", "Café 会议")
    variants = [
        "\ufeff第一段  \r\n\r\n\r\n\r\n第二段\u3000\r\n",
        "第一段\n\n第二段\n",
        "\n\n第一段\r\r第二段",
    ]
    assert {normalise(v) for v in variants} == {"第一段\n\n第二段\n"}
    assert normalise(decomposed) == normalise("Café 会议")
    assert "２０２１" in normalise("２０２１年")  # full-width digits are part of the text
    expected = hashlib.sha256("第一段\n\n第二段\n".encode()).hexdigest()
    assert content_address(normalise(variants[0])) == expected


def test_paragraphs_are_numbered_non_blank_lines_without_indent() -> None:
    paragraphs = split_paragraphs(normalise(JINZHONG_NEWS))
    assert paragraphs[0] == "晋中市卫生健康委员会"
    assert paragraphs[2].startswith("本报讯")  # the full-width indent is not part of it
    assert all(p == p.strip(" \u3000") and p for p in paragraphs)


def test_locators_name_a_paragraph_or_a_range_in_it() -> None:
    paragraphs = ["第一段文字。", "介休市召开会议。会议部署工作。"]
    assert quote(paragraphs, "p2") == paragraphs[1]
    assert quote(paragraphs, "p2:0-8") == "介休市召开会议。"
    assert quote(paragraphs, "p2:8-15") == "会议部署工作。"
    assert str(parse_locator("p2:8-15")) == "p2:8-15"
    # Outside the document, or an empty or reversed range: no quote rather than a wrong one.
    for locator in ("p3", "p2:8-99", "p2:5-5", "p2:9-3", "p0"):
        assert quote(paragraphs, locator) is None, locator


def test_seed_locators_stay_free_text() -> None:
    for locator in ("导语", "一、二是", "para 2", "答人民网记者问 第2段", None):
        assert parse_locator(locator) is None
        assert quote(["一段。"], locator) is None


def test_sentences_split_at_full_stops_and_semicolons() -> None:
    paragraph = "　截至目前，已建成15个；力争明年全覆盖。“会议指出。”结尾"
    spans = sentences(paragraph)
    assert [paragraph[a:b] for a, b in spans] == [
        "截至目前，已建成15个；",
        "力争明年全覆盖。",
        "“会议指出。”",
        "结尾",
    ]
