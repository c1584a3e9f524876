"""`timeline init` with the gazetteer, and `timeline regions`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from timeline.cli import main


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--db", str(db)])
    return result.exit_code, result.output


def test_init_defines_the_gazetteer_once_and_regions_lists_it(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    assert run(db, "init") == (
        0,
        f"Initialised {db} (head position 3243): 3,243 regions, 3,243 newly defined.\n",
    )
    assert run(db, "init")[1].endswith("3,243 regions, 0 newly defined.\n")

    code, out = run(db, "regions", "--search", "jiexiu")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "ENGLISH", "KIND", "PARENT", "VALID"]
    assert lines[2].split() == ["140781", "介休市", "Jiexiu", "county-level", "city", "140700"]
    assert lines[-1] == "1 region(s)."

    code, out = run(db, "regions", "--parent", "140700")
    assert "140726  太谷县  Taigu County     county             140700  until 2019 → 140703" in out
    assert out.splitlines()[-1] == "12 region(s)."
    assert run(db, "regions", "--level", "province")[1].splitlines()[-1] == "34 region(s)."
    assert (
        run(db, "regions", "--search", "1407", "--level", "prefecture")[1].splitlines()[-1] == "1 region(s)."
    )


def test_an_unknown_parent_or_level_is_an_error(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    run(db, "init")
    code, out = run(db, "regions", "--parent", "999999")
    assert code == 1 and "No region '999999'" in out
    code, out = run(db, "regions", "--level", "town")
    assert code == 2 and "'town' is not one of" in out
