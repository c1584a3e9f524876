"""Our Chinese date reader beside jionlp's time parser, on the date forms our tests name.

    python bench/jionlp_dates.py          # needs jionlp: pip install jionlp (not a dependency)

Issue 14 asked to take jionlp's `parse_time` only if it is right on our tests and fast enough.
Each case of `tests/test_curation_dates.py::test_each_form_reads_as_its_edtf` is parsed by both,
relative to the same publication day; a case counts as right when the interval it gives
(first and last day) equals the interval of the expected EDTF value. An open end (`../DATE`, "on
or before") has no first day, so jionlp's closed answer can only be wrong there. Time is the
best of three runs over all cases, per case.
"""

from __future__ import annotations

import importlib
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [
    str(ROOT),
    str(ROOT / "tests"),
    *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"),
]

from events.dates import parse_edtf  # noqa: E402
from timeline.curation.dates import DateReader  # noqa: E402
from timeline.curation.rules import load_date_rules  # noqa: E402

Interval = tuple[date | None, date | None]


def cases() -> list[tuple[str, str]]:
    tests = importlib.import_module("test_curation_dates")
    [mark] = [m for m in tests.test_each_form_reads_as_its_edtf.pytestmark if m.name == "parametrize"]
    return list(mark.args[1])


def ours(reader: DateReader, text: str, published: date) -> Interval | None:
    found = reader.find(text, published=published)
    if not found:
        return None
    parsed = parse_edtf(found[0].edtf)
    return parsed.earliest, parsed.latest


def theirs(parse_time, text: str, base: float) -> Interval | None:  # type: ignore[no-untyped-def]
    try:
        answer = parse_time(text, time_base=base)
    except Exception:  # jionlp raises ValueError (and others) for what it cannot read
        return None
    span = answer.get("time")
    if not isinstance(span, list) or len(span) != 2:
        return None
    try:  # open ends come back as odd strings (`inf`, negative years): not a day
        first, last = (datetime.strptime(str(s)[:10], "%Y-%m-%d").date() for s in span)
    except ValueError:
        return None
    return first, last


def main() -> int:
    try:
        import jionlp
    except ImportError:
        print("jionlp is not installed (it is not a dependency): pip install jionlp, then run again")
        return 0
    published = importlib.import_module("test_curation_dates").PUBLISHED
    base = time.mktime(published.timetuple()) + 12 * 3600  # noon of the publication day
    reader = DateReader(load_date_rules(ROOT / "seeds"))
    rows = []
    listed = cases()
    for text, edtf in listed:
        expected = parse_edtf(edtf)
        want = (expected.earliest, expected.latest)
        answer = theirs(jionlp.parse_time, text, base)
        rows.append((text, edtf, ours(reader, text, published) == want, answer == want, answer))
    width = max(len(t) for t, *_ in rows) + 2
    print(f"{'text':{width}} {'expected':24} ours  jionlp  (jionlp's interval)")
    for text, edtf, mine, right, answer in rows:
        shown = "cannot parse" if answer is None else f"{answer[0]} – {answer[1]}"
        print(f"{text:{width}} {edtf:24} {'yes' if mine else 'NO':5} {'yes' if right else 'no':7} {shown}")
    ours_s = _best(lambda: [reader.find(t, published=published) for t, _ in listed])
    theirs_s = _best(lambda: [theirs(jionlp.parse_time, t, base) for t, _ in listed])
    n = len(rows)
    print(
        f"\nright: ours {sum(r[2] for r in rows)}/{n}, jionlp {sum(r[3] for r in rows)}/{n}; "
        f"per case: ours {ours_s / n * 1e6:.0f} µs, jionlp {theirs_s / n * 1e6:.0f} µs "
        f"({theirs_s / ours_s:.1f}× ours)"
    )
    print("verdict: jionlp is taken only if it is right on every case ours is and no slower")
    return 0


def _best(fn) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    sys.exit(main())
