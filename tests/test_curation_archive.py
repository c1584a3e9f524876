"""`timeline sources add` and `timeline extract` as a curator runs them, on an article written
for the tests: the archive is content-addressed and in the log, extraction writes seed TOML a
curator can fix and load, and candidates the log has are named instead of proposed."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tomllib
from pathlib import Path

import pytest
from articles import JINZHONG_NEWS
from click.testing import CliRunner

from events.reference import Reference
from events.store import EventStore
from events.types import SourceRegistered
from timeline.cli import main
from timeline.curation.reading import content_address, normalise
from timeline.seeds import load_seeds

REPO = Path(__file__).resolve().parents[1]
ADD = ["sources", "add"]
META = [
    "--title",
    "晋中市医共体建设推进会召开",
    "--publisher",
    "晋中市卫生健康委员会",
    "--published",
    "2024-06-20",
]


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--db", str(db)])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("seeded") / "seeded.db"
    assert run(db, "load")[0] == 0
    return db


@pytest.fixture
def db(seeded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "timeline.db"
    with sqlite3.connect(seeded) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # the log is in WAL mode: copying the file alone would miss pages
    return copy


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "news.txt"
    path.write_bytes(JINZHONG_NEWS.encode("gb18030"))
    return path


def add(db: Path, article: Path, *extra: str) -> tuple[int, str]:
    return run(
        db, *ADD, str(article), *META, "--region", "140700", "--id", "jinzhong-news-2024-06-20", *extra
    )


def test_registering_archives_the_text_as_an_event_once(db: Path, article: Path, tmp_path: Path) -> None:
    code, out = add(db, article, "--url", "https://example.org/news/1")
    assert code == 0, out
    assert out.startswith("Registered source jinzhong-news-2024-06-20 (15 paragraphs")
    store = EventStore.open(db, create=False)
    [recorded] = store.read_stream("source-jinzhong-news-2024-06-20")
    event = recorded.event
    assert isinstance(event, SourceRegistered)
    assert event.text == normalise(JINZHONG_NEWS)
    assert event.text_sha256 == content_address(normalise(JINZHONG_NEWS))
    assert event.source.region == "140700" and event.source.url == "https://example.org/news/1"
    archived = Reference(store.db).source_text("jinzhong-news-2024-06-20")
    assert archived is not None and archived.text == event.text
    # The same text in another encoding, under another id, is the same document: nothing appended.
    utf16 = tmp_path / "again.txt"
    utf16.write_bytes(JINZHONG_NEWS.replace("\n", "\r\n").encode("utf-16"))
    head = store.head().position
    code, out = run(db, *ADD, str(utf16), *META, "--id", "another-id")
    assert code == 0 and out.startswith("Already registered as source jinzhong-news-2024-06-20")
    assert store.head().position == head
    assert run(db, "verify")[0] == 0  # the archived text is covered by the hash chain


def test_an_id_taken_by_another_text_or_an_unreadable_file_writes_nothing(db: Path, tmp_path: Path) -> None:
    store = EventStore.open(db, create=False)
    head = store.head().position
    other = tmp_path / "other.txt"
    other.write_text("另一篇文章。", encoding="utf-8")
    code, out = run(db, *ADD, str(other), *META, "--id", "jinzhong-press-2024-08-28")
    assert code == 1 and "exists with another text" in out
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Réunion à Taiyuan, déjà prévue".encode("latin-1"))
    code, out = run(db, *ADD, str(latin), *META)
    assert code == 1 and "cannot read the document" in out and "UTF-8, UTF-16 or GB18030" in out
    code, out = run(db, *ADD, str(other), "--title", "标题", "--publisher", "某", "--published", "2024-13")
    assert code == 1 and "$.published: month 13 does not exist" in out
    code, out = run(db, *ADD, str(other), *META, "--region", "999999")
    assert code == 1 and "$.region: No region with code '999999'" in out
    assert store.head().position == head


def test_extract_writes_commented_seed_toml_that_loads_once_filled_in(
    db: Path, article: Path, tmp_path: Path
) -> None:
    assert add(db, article)[0] == 0
    out_file = tmp_path / "candidates.toml"
    code, out = run(db, "extract", "jinzhong-news-2024-06-20", "--out", str(out_file))
    assert code == 0 and out.startswith("Wrote ") and "already recorded" in out
    text = out_file.read_text(encoding="utf-8")
    # The seeds already record Jiexiu's medical group (2017-10): named, kept out of the entries.
    assert "# already recorded as event " in text
    assert '\n# type = "institution_established"\n# occurred = "2017-10"\n# regions = ["140781"]' in text
    assert "# candidate c-" in text and "# sentence: " in text and "# - type pilot_designated: cue" in text
    entries = tomllib.loads(text)["milestone"]
    founded = next(
        e for e in entries if e["type"] == "institution_established" and e["regions"] == ["140727"]
    )
    assert founded["occurred"] == "2022" and founded["institution"]["zh"] == "县医学检验中心"
    assert founded["sources"][0]["locator"] == "p14:0-17"
    # The curator writes the English texts, keeps this one entry and loads it.
    founded["title"]["en"] = "Qi County opens a medical testing centre"
    founded["summary"]["en"] = "Qi County set up a county medical testing centre."
    founded["institution"]["en"] = "Qi County Medical Testing Centre"
    seeds = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    lines = [f"{k} = {_inline(v)}" for k, v in founded.items()]
    (seeds / "milestones" / "zz-curated.toml").write_text(
        "[[milestone]]\n" + "\n".join(lines) + "\n", "utf-8"
    )
    report = load_seeds(EventStore.open(db, create=False), seeds)
    assert report.appended == 1
    # Extracting again names the loaded milestone instead of proposing it.
    code, out = run(db, "extract", "jinzhong-news-2024-06-20", "--format", "json")
    candidates = json.loads(out)
    [again] = [c for c in candidates if c["type"] == "institution_established" and c["regions"] == ["140727"]]
    assert again["already_recorded"] is not None


def _inline(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def test_a_seeded_source_gets_its_text_when_the_curator_brings_the_file(db: Path, tmp_path: Path) -> None:
    [document] = [
        p for p in (REPO.parent / "shared" / "sources").glob("*.txt") if "晋中信息" in p.read_text("utf-8")
    ]
    code, out = run(db, *ADD, str(document), "--title", "x", "--publisher", "y", "--published", "2021-05-19")
    assert code == 0 and out.startswith("Registered source jinzhong-daily-report-2021-05-19")
    code, out = run(db, "extract", "jinzhong-daily-report-2021-05-19", "--format", "json")
    candidates = json.loads(out)
    assert candidates and any(c["already_recorded"] for c in candidates)  # the seeds cite this document


def test_extract_needs_an_archived_text(db: Path) -> None:
    code, out = run(db, "extract", "jinzhong-press-2024-08-28")
    assert code == 1 and "has no archived text" in out and "timeline sources add" in out
    code, out = run(db, "extract", "no-such-source")
    assert code == 1 and "No source 'no-such-source'" in out
