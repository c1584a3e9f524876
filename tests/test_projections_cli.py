"""`timeline region / status / members / rebuild` as a user runs them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from events.store import EventStore
from tests.test_projections_support import add, correct, designate
from timeline.cli import main
from timeline.cli.views import format_table, parse_known_at


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--db", str(db)])
    return result.exit_code, result.output


def test_region_prints_the_timeline_in_order_with_descendants(store: EventStore, db_path: Path) -> None:
    add(store, occurred="2020-01-02", regions=["140781"], title={"zh": "介休会议", "en": "Jiexiu meeting"})
    add(store, occurred="2020-01-01", regions=["140700"], title={"zh": "晋中会议", "en": "Jinzhong meeting"})
    code, out = run(db_path, "region", "140700")  # the regions below by default
    assert code == 0, out
    assert out.index("Jinzhong meeting") < out.index("Jiexiu meeting")
    assert "Jinzhong (140700) and below" in out
    code, out = run(db_path, "region", "140700", "--lang", "zh", "--no-descendants")
    assert code == 0 and "晋中会议" in out and "介休会议" not in out


def test_region_filters_pages_and_flags_corrections(store: EventStore, db_path: Path) -> None:
    first = add(store, occurred="2020-01-01", title={"zh": "一", "en": "One"})
    add(store, occurred="2020-02-01", title={"zh": "二", "en": "Two"})
    add(store, occurred="2020-03-01", title={"zh": "三", "en": "Three"})
    correct(store, first, title={"zh": "壹", "en": "First"})
    code, out = run(db_path, "region", "140781", "--from", "2020-01-15", "--to", "2020-02-15")
    assert code == 0 and "Two" in out and "Three" not in out and "First" not in out
    code, out = run(db_path, "region", "140781", "--limit", "2")
    assert code == 0 and "corrected" in out and "More: --cursor" in out
    cursor = out.split("More: --cursor ")[1].split()[0]
    code, out = run(db_path, "region", "140781", "--limit", "2", "--cursor", cursor)
    assert code == 0 and "Three" in out and "First" not in out
    code, out = run(db_path, "region", "140781", "--known-at", "3")
    assert code == 0 and "One" in out and "as known at position 3" in out


def test_status_and_members_answer_yes_no_or_uncertain(store: EventStore, db_path: Path) -> None:
    designate(store, "2017-10")
    code, out = run(db_path, "status", "140781", "--as-of", "2017-10-15")
    assert code == 0, out
    line = next(row for row in out.splitlines() if row.startswith("county-integration"))
    assert "designated" in line and "uncertain" in line and "2017-10-01 to 2017-10-31" in line
    code, out = run(db_path, "status", "140781", "--as-of", "2017-11-01")
    assert code == 0 and "yes" in out
    code, out = run(db_path, "members", "county-integration", "--as-of", "2017-11-01", "--lang", "zh")
    assert code == 0 and "介休市" in out and "1 region(s)" in out
    code, out = run(db_path, "members", "county-integration", "--as-of", "2017-11-01", "--within", "140100")
    assert code == 0 and "0 region(s)" in out


def test_status_lists_programmes_with_a_status_with_whole_evidence_ids(
    store: EventStore, db_path: Path
) -> None:
    event_id = designate(store, "../2021-05-19")
    code, out = run(db_path, "status", "140781", "--as-of", "2021-05-07")
    assert code == 0, out
    rows = [row for row in out.splitlines()[2:] if row.strip() and not row.startswith("-")]
    programmes = [row.split()[0] for row in rows if not row[0].isdigit()]
    assert programmes == ["county-integration"]  # not every programme in the catalogue
    line = next(row for row in out.splitlines() if row.startswith("county-integration"))
    assert "by 2021-05-19" in line and ".." not in line.replace("../2021-05-19", "")
    assert event_id in line  # whole, so it can be passed to GET /events/{event_id}
    assert "without a status not shown (--all lists them)" in out
    code, everything = run(db_path, "status", "140781", "--as-of", "2021-05-07", "--all")
    assert code == 0 and "dip-payment" in everything and "not shown" not in everything


def test_known_at_takes_a_position_or_a_time(store: EventStore, db_path: Path) -> None:
    designate(store, "2017-10-01")
    moment = store.head().recorded_at
    assert moment is not None
    code, out = run(db_path, "status", "140781", "--as-of", "2018-01-01", "--known-at", "0")
    assert code == 0 and "designated" not in out
    code, out = run(db_path, "status", "140781", "--as-of", "2018-01-01", "--known-at", moment.isoformat())
    assert code == 0 and "designated" in out
    code, out = run(db_path, "status", "140781", "--as-of", "2018-01-01", "--known-at", "yesterday")
    assert code == 2 and "RFC 3339" in out
    assert parse_known_at("2024-08-28T12:00:00") == parse_known_at("2024-08-28T12:00:00Z")


def test_rebuild_reports_every_projection(store: EventStore, db_path: Path) -> None:
    add(store)
    code, out = run(db_path, "rebuild", "--quiet")
    assert code == 0, out
    assert "Rebuilt from 1 event(s)" in out
    assert "timeline" in out and "programme_status" in out
    code, out = run(db_path, "rebuild", "timeline", "--quiet")
    assert code == 0 and "Rebuilt from 1 event(s)" in out
    code, out = run(db_path, "rebuild", "nonsense")
    assert code == 2


def test_errors_are_one_line_and_exit_1(store: EventStore, db_path: Path) -> None:
    add(store)
    code, out = run(db_path, "status", "140781", "--as-of", "2017-02-30")
    assert code == 1 and "Invalid EDTF date '2017-02-30'" in out
    code, out = run(db_path, "region", "999999")
    assert code == 1 and "No region '999999'" in out
    code, out = run(db_path, "members", "no-such", "--as-of", "2017-01-01")
    assert code == 1 and "No programme 'no-such'" in out
    code, out = run(db_path, "region", "140781", "--cursor", "garbage")
    assert code == 1 and "Invalid cursor" in out


def test_every_command_has_help_text() -> None:
    for name in ("region", "status", "members", "rebuild"):
        command = main.commands[name]
        assert command.help and len(command.help) > 20, name
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "--db" in result.output


def test_tables_pad_wide_characters() -> None:
    table = format_table(["A", "B"], [["介休", "x"], ["ab", "y"]])
    # 介休 is four columns wide on a terminal: both B cells start in column 6.
    assert table.splitlines() == ["A     B", "----  -", "介休  x", "ab    y"]
