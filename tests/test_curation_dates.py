"""Chinese date expressions read as honest EDTF: every form official writing uses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from events.dates import parse_edtf
from timeline.curation.dates import DateReader, number
from timeline.curation.rules import load_date_rules

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PUBLISHED = date(2024, 8, 28)


@pytest.fixture(scope="module")
def reader() -> DateReader:
    return DateReader(load_date_rules(SEEDS))


@pytest.mark.parametrize(
    ("text", "edtf"),
    [
        ("2021年5月7日", "2021-05-07"),
        ("２０２１年５月７日", "2021-05-07"),
        ("2021年5月7号", "2021-05-07"),
        ("2019 年 11 月 18 日", "2019-11-18"),  # spaced out, as text taken from a PDF is
        ("二〇一七年十月", "2017-10"),
        ("二〇二一年五月七日", "2021-05-07"),
        ("2022年", "2022"),
        ("2022年度", "2022"),
        ("5月7日", "2024-05-07"),
        ("8月28日上午11时", "2024-08-28T11:00:00+08:00"),
        ("8月28日下午3点半", "2024-08-28T15:30:00+08:00"),
        ("2021年5月上旬", "2021-05-01/2021-05-10"),
        ("2021年2月下旬", "2021-02-21/2021-02-28"),
        ("2024年2月下旬", "2024-02-21/2024-02-29"),
        ("2023年6月底", "2023-06-21~/2023-06-30~"),
        ("2023年上半年", "2023-01/2023-06"),
        ("今年上半年", "2024-01/2024-06"),
        ("2023年初", "2023-01~/2023-02~"),
        ("2023年底", "2023-11~/2023-12"),
        ("2023年第三季度", "2023-07/2023-09"),
        ("今年", "2024-01-01/2024-08-28"),
        ("去年", "2023"),
        ("前年", "2022"),
        ("去年10月", "2023-10"),
        ("截至目前", "../2024-08-28"),
        ("目前", "../2024-08-28"),
        ("截至2023年底", "../2023-12-31"),
        ("截至2024年6月", "../2024-06-30"),
        ("2017年以来", "2017/2024-08-28"),
        ("2017年10月以来", "2017-10/2024-08-28"),
        ("今年以来", "2024-01-01/2024-08-28"),
        ("近年来", "../2024-08-28"),
        ("2019—2021年", "2019/2021"),
        ("2019年至2021年", "2019/2021"),
        ("2019年11月18日至19日", "2019-11-18/2019-11-19"),
        ("“十四五”以来", "2021/2024-08-28"),
        ("“十三五”期间", "2016/2020"),
    ],
)
def test_each_form_reads_as_its_edtf(reader: DateReader, text: str, edtf: str) -> None:
    [mention] = reader.find(text, published=PUBLISHED)
    assert (mention.surface, mention.edtf) == (text, edtf)
    parse_edtf(mention.edtf)  # and the log accepts it


def test_a_year_given_earlier_in_the_paragraph_dates_a_bare_month_and_day(reader: DateReader) -> None:
    mentions = reader.find("2021年4月，召开动员会；5月7日，印发方案。", published=PUBLISHED)
    assert [(m.surface, m.edtf, m.note) for m in mentions] == [
        ("2021年4月", "2021-04", None),
        ("5月7日", "2021-05-07", None),
    ]
    assert mentions[1].rule == "year named earlier in the paragraph"


def test_the_publication_year_never_makes_a_certain_date_after_publication(reader: DateReader) -> None:
    [before] = reader.find("5月7日", published=PUBLISHED)
    [after] = reader.find("10月9日", published=PUBLISHED)
    assert before.edtf == "2024-05-07" and "taken from the publication" in (before.note or "")
    assert after.edtf == "2024-10-09?"
    assert "after the publication" in (after.note or "")
    [half] = reader.find("下半年", published=PUBLISHED)
    assert half.edtf == "2024-07?/2024-12?"


def test_no_day_is_invented_for_a_month_a_year_or_a_part_of_them(reader: DateReader) -> None:
    for text in ("2017年10月", "2023年", "2023年上半年", "去年", "2023年初", "2023年底"):
        [mention] = reader.find(text, published=PUBLISHED)
        value = parse_edtf(mention.edtf)
        assert value.precision != "day", text
        assert value.earliest != value.latest, text


def test_numbers_that_are_not_dates_are_left_alone(reader: DateReader) -> None:
    for text in ("晋政办发〔2022〕64号", "12个月", "3年", "第20期", "2.85‰", "15个"):
        assert reader.find(text, published=PUBLISHED) == [], text


def test_impossible_dates_are_not_proposed(reader: DateReader) -> None:
    assert reader.find("2023年2月30日", published=PUBLISHED) == []
    assert reader.find("2023年13月", published=PUBLISHED) == []


def test_mentions_carry_their_offsets_in_the_text(reader: DateReader) -> None:
    text = "会议指出，2023年以来成效明显。"
    [mention] = reader.find(text, published=PUBLISHED)
    assert text[mention.start : mention.end] == mention.surface == "2023年以来"


@pytest.mark.parametrize(
    ("text", "value"), [("２０２１", 2021), ("二〇一七", 2017), ("十二", 12), ("三十一", 31), ("7", 7)]
)
def test_numbers_in_every_script(text: str, value: int) -> None:
    assert number(text) == value
