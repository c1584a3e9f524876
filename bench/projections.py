"""Projection rebuild throughput and query latency on a large synthetic log.

    python bench/projections.py                  # 1,000,000 events (several minutes)
    python bench/projections.py --events 20000   # a quick run
    python bench/projections.py --db postgresql://USER@HOST:PORT/DBNAME   # beside PostgreSQL (issue 15)
    python bench/projections.py --db postgresql  # the same on a throwaway local cluster

Generates a log over the real gazetteer (`seeds/`: 3,243 regions, 2,849 of them counties in
force and 334 prefectures, each defined by a `region_defined` event first) and 20 programmes
(a mix of milestone types, some month/year/`../DATE` precision, ~2% corrections) into a temp
file, then prints, measured in the same run:
- rebuild throughput beside two plain scans of the same rows, each in its own process: the
  honest floor, a scan that decodes only the fields the projections read (`Brief`) and folds
  them (the issue-20 goal: rebuild >= 0.5x of it), and a scan that fully decodes and validates
  each event and folds (the comparator this script used before, which flatters the rebuild);
  with the rebuild's peak memory (VmHWM);
- p50/p99 latency of a city timeline page with descendants, an as-of status report and a
  programme-members query (goal: members p99 <= 2 ms).
Rounds interleave (slim, full, rebuild, queries); each goal prints min / median / max over the
rounds, and "met" / "not met" on the median.

With `--db` naming PostgreSQL, the log generated in the SQLite file is moved into that (empty)
database with `events.transfer` (as `timeline export` / `timeline import` do: same rows, same
hashes), and the rounds interleave a rebuild on SQLite, one on PostgreSQL, then the queries on
each; the goal of issue 15 is the PostgreSQL rebuild within 2x of SQLite's time. The slim and
full scans (SQLite's own comparators) are left out there.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import msgspec

# Run as `python bench/projections.py`, this folder comes first on sys.path and this file's
# name would shadow the `projections` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from events.backends import is_postgres, open_log  # noqa: E402
from events.envelope import NewEvent  # noqa: E402
from events.reference import Programme, Reference, Region, SourceDocument, region_level  # noqa: E402
from events.store import EventStore  # noqa: E402
from events.transfer import export_log, import_log  # noqa: E402
from events.types import (  # noqa: E402
    DesignationEnded,
    IncentiveAwarded,
    InstitutionEstablished,
    LongText,
    MeetingHeld,
    MetricReported,
    Milestone,
    MilestoneCorrected,
    MilestoneRetracted,
    PilotDesignated,
    PolicyIssued,
    RatingAwarded,
    SourceRef,
    Text,
    decode_event,
)
from projections import programme_members, rebuild, status_report, timeline_page  # noqa: E402
from projections.log import Brief  # noqa: E402
from timeline.catalogue import define_catalogue  # noqa: E402
from timeline.gazetteer.build import build_regions  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

PROGRAMMES, PILOTS = 20, 150
TARGETS = {"ratio": 0.5, "memory_mb": 300, "timeline_p99": 5.0, "status_p99": 2.0, "members_p99": 2.0}
POSTGRES_TIME = 2.0  # issue 15: PostgreSQL's rebuild time <= 2x SQLite's
SOURCE = (SourceRef(document="bench-doc", locator="para 3"),)
KINDS = [  # (weight, kind)
    (28, "meeting"),
    (20, "policy"),
    (18, "metric"),
    (9, "institution"),
    (9, "designation"),
    (5, "rating"),
    (4, "incentive"),
    (4, "ended"),
    (2, "correction"),
    (1, "retraction"),
]


def catalogue() -> tuple[list[Region], list[Programme]]:
    problems: list = []
    regions = build_regions(REPO / "seeds", problems)
    assert not problems, problems
    programmes = [
        Programme(
            slug=f"programme-{p:02}",
            name=Text(zh=f"项目{p}", en=f"Programme {p}"),
            description=LongText(zh="基准测试项目", en="A benchmark programme"),
            statuses=("designated", "demonstration", "rated", "awarded", "ended"),
            inherits_down=p % 5 == 0,
        )
        for p in range(1, PROGRAMMES + 1)
    ]
    return regions, programmes


class Generator:
    def __init__(self, seed: int, regions: list[Region], programmes: list[Programme]) -> None:
        self.rnd = random.Random(seed)
        current = [r for r in regions if r.valid_to is None]
        self.counties = [r.code for r in current if region_level(r) == "county"]
        self.cities = [r.code for r in current if region_level(r) == "prefecture"]
        self.slugs = [p.slug for p in programmes]
        self.pilots = {s: self.rnd.sample(self.counties + self.cities, PILOTS) for s in self.slugs}
        self.milestones: list[tuple[str, str]] = []  # (event id, stream)
        self.kinds = [k for w, k in KINDS for _ in range(w)]

    def occurred(self) -> str:
        day = date(2010, 1, 1) + timedelta(days=self.rnd.randrange(15 * 365))
        roll = self.rnd.random()
        if roll < 0.75:
            return day.isoformat()
        if roll < 0.90:
            return day.isoformat()[:7]
        return day.isoformat()[:4] if roll < 0.97 else f"../{day.isoformat()}"

    def regions(self) -> tuple[str, ...]:
        roll = self.rnd.random()
        if roll < 0.80:
            return (self.rnd.choice(self.counties),)
        if roll < 0.92:
            return (self.rnd.choice(self.cities),)
        return ("140000",) if roll < 0.95 else tuple(self.rnd.sample(self.counties, 2))

    def common(self, i: int, programmes: tuple[str, ...] = ()) -> dict:
        return {
            "occurred": self.occurred(),
            "regions": self.regions(),
            "programmes": programmes,
            "title": Text(zh=f"第{i}项改革进展", en=f"Reform step {i}"),
            "summary": LongText(zh=f"第{i}项医改工作取得进展。", en=f"Health reform step {i} made progress."),
            "sources": SOURCE,
        }

    def event(self, i: int) -> NewEvent:
        kind = self.rnd.choice(self.kinds)
        if kind in ("correction", "retraction") and self.milestones:
            target, stream = self.rnd.choice(self.milestones)
            reason = LongText(zh="更正", en="Corrected after review")
            if kind == "retraction":
                event = MilestoneRetracted(sources=SOURCE, reason=reason, retracts=target)  # type: ignore[arg-type]
            else:
                change = self.rnd.choice(
                    [{"occurred": self.occurred()}, {"title": {"zh": "改", "en": "Fixed"}}]
                )
                event = MilestoneCorrected(sources=SOURCE, reason=reason, corrects=target, changes=change)  # type: ignore[arg-type]
            return NewEvent(stream=stream, event=event, event_id=_id(i))  # type: ignore[arg-type]
        event = self.milestone(kind, i)
        stream = f"m-{i}"
        self.milestones.append((_id(i), stream))
        return NewEvent(stream=stream, event=event, expected_version=0, event_id=_id(i))  # type: ignore[arg-type]

    def milestone(self, kind: str, i: int) -> Milestone:
        if kind in ("designation", "rating", "incentive", "ended"):
            slug = self.rnd.choice(self.slugs)
            fields = self.common(i, (slug,))
            fields["regions"] = (self.rnd.choice(self.pilots[slug]),)
            if kind == "designation":
                return PilotDesignated(status=self.rnd.choice(["designated", "demonstration"]), **fields)
            if kind == "rating":
                return RatingAwarded(
                    grade="excellent", rating=Text(zh="优秀", en="Excellent"), period="2020", **fields
                )
            if kind == "incentive":
                return IncentiveAwarded(
                    amount_cny=5_000_000, awarding_body=Text(zh="国务院", en="State Council"), **fields
                )
            return DesignationEnded(reason="completed", **fields)
        fields = self.common(i, (self.rnd.choice(self.slugs),) if self.rnd.random() < 0.3 else ())
        if kind == "policy":
            return PolicyIssued(
                issuer=Text(zh="省政府", en="Province"), document_title=Text(zh="方案", en="Plan"), **fields
            )
        if kind == "metric":
            return MetricReported(
                metric="rate", label=Text(zh="比例", en="Rate"), value=0.5, unit="%", period="2020", **fields
            )
        if kind == "institution":
            return InstitutionEstablished(institution=Text(zh="医共体", en="Medical community"), **fields)
        return MeetingHeld(**fields)


def _id(i: int) -> str:
    h = f"{i:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:]}"


def generate(path: Path, events: int, seed: int) -> None:
    store = EventStore.open(path, synchronous="OFF")
    regions, programmes = catalogue()
    Reference(store.db).ensure_schema()
    title, publisher = Text(zh="基准", en="Bench"), Text(zh="无", en="None")
    source = SourceDocument(
        id="bench-doc", title=title, publisher=publisher, published="2024-08-28", kind="news"
    )
    define_catalogue(store, [*regions, *programmes, source])  # as `timeline init` and `load` do
    gen = Generator(seed, regions, programmes)
    for start in range(0, events, 50_000):
        store.append([gen.event(i) for i in range(start, min(events, start + 50_000))])
    store.close()


_decode_brief = msgspec.json.Decoder(Brief).decode


def raw_fold(path: Path, slim: bool = False) -> dict:
    """A plain scan: select the rows, decode each event, fold into a dict per region and type.

    `slim` decodes only what the projections read of an event (`Brief`: stored events were
    validated when appended), which is the honest floor of a rebuild; otherwise each event is
    decoded and validated in full, as the store's readers do."""
    import sqlite3

    decode = _decode_brief if slim else decode_event
    conn = sqlite3.connect(path)
    started, cpu = time.perf_counter(), time.process_time()
    folded: dict[tuple[str, str], int] = {}
    after, count = 0, 0
    while rows := conn.execute(
        "SELECT position, event_id, type, schema_version, recorded_at, payload FROM events "
        "WHERE position > ? ORDER BY position LIMIT 10000",
        [after],
    ).fetchall():
        for row in rows:
            event = decode(row[5])
            for region in getattr(event, "regions", ("-",)):
                folded[region, row[2]] = folded.get((region, row[2]), 0) + 1
        count += len(rows)
        after = rows[-1][0]
    return {"events": count, "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}


def move_to_postgres(path: Path, url: str) -> None:
    """Copy the SQLite log into the empty PostgreSQL database, as export and import do."""
    export = path.with_suffix(".jsonl")
    source, target = EventStore.open(path, create=False), open_log(url)
    with open(export, "wb") as out:
        export_log(source, out)
    import_log(target, export)
    source.close()
    target.close()
    export.unlink()


def rebuild_all(db: str) -> dict:
    store = open_log(db, create=False, synchronous="OFF")
    started, cpu = time.perf_counter(), time.process_time()
    count = rebuild(store, progress=sys.stderr.isatty())
    return {
        "events": count,
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "peak_mb": peak_memory_mb(),
    }


def peak_memory_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec; ru_maxrss
    would also count the parent's memory at the fork that started this process."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(phase: str, db: str | Path, *extra: str) -> dict:
    """Run a phase on `db` in a fresh process so its time and peak memory are its own."""
    command = [sys.executable, __file__, "--phase", phase, "--phase-db", str(db), *extra]
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def latencies(fn: Callable[[], object], count: int) -> tuple[float, float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - started) / 1e6)
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def queries(db: str, count: int, seed: int, cache_mb: int) -> dict[str, tuple[float, float]]:
    rnd = random.Random(seed)
    store = open_log(db, create=False)
    if not is_postgres(db):
        # A server sizes SQLite's page cache to its working set; `connect` keeps the 2 MB default.
        store.conn.execute(f"PRAGMA cache_size = -{cache_mb * 1024}")
    reference = Reference(store.db)
    regions, programmes = catalogue()
    current = [r for r in regions if r.valid_to is None]
    cities = [r.code for r in current if region_level(r) == "prefecture"]
    places = [r.code for r in current if region_level(r) in ("prefecture", "county")]
    slugs = [p.slug for p in programmes]
    cursors: list[str | None] = [None]

    def day() -> date:
        return date(2010, 1, 1) + timedelta(days=rnd.randrange(16 * 365))

    def page() -> None:
        found = timeline_page(
            store, reference, rnd.choice(cities), descendants=True, cursor=rnd.choice(cursors)
        )
        if found.next_cursor and len(cursors) < 200:
            cursors.append(found.next_cursor)

    def status() -> None:
        status_report(store, reference, rnd.choice(places), as_of=day())

    def members() -> None:
        within = rnd.choice(cities) if rnd.random() < 0.5 else None
        programme_members(store, reference, rnd.choice(slugs), as_of=day(), within=within)

    for fn in (page, status, members):  # warm the page cache and the region tree
        latencies(fn, 20)
    # As a server does once started: long-lived objects (catalogues, caches) leave the cycle
    # collector's generations, so its occasional full passes do not walk them per request.
    gc.collect()
    gc.freeze()
    return {
        "timeline": latencies(page, count),
        "status": latencies(status, count),
        "members": latencies(members, count),
    }


def spread(values: list[float]) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low:6.2f} / {mid:6.2f} / {high:6.2f}"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def report(events: int, rounds: list[dict]) -> None:
    """Each figure as min / median / max over the rounds; a goal is met when its median is."""
    print(f"log: {events:,} events; {len(rounds)} interleaved rounds; min / median / max")
    for label, key in (("wall", "seconds"), ("cpu", "cpu")):

        def rates(phase: str, key: str = key) -> list[float]:
            return [r[phase]["events"] / r[phase][key] / 1000 for r in rounds]

        built, slim, full = rates("rebuild"), rates("slim"), rates("full")
        print(f"{label:<4} rebuild                       {spread(built)} k ev/s")
        print(f"{label:<4} slim scan (Brief) + fold       {spread(slim)} k ev/s")
        print(f"{label:<4} full decode + fold             {spread(full)} k ev/s")
        vs_slim = [b / s for b, s in zip(built, slim, strict=True)]
        vs_full = [b / f for b, f in zip(built, full, strict=True)]
        goal = TARGETS["ratio"]
        print(
            f"{label:<4} rebuild / slim scan           {spread(vs_slim)} x  (goal >= {goal}) "
            f"{verdict(statistics.median(vs_slim) >= goal)}"
        )
        print(f"{label:<4} rebuild / full decode         {spread(vs_full)} x  (for reference)")
    memory = [r["rebuild"]["peak_mb"] for r in rounds]
    target = TARGETS["memory_mb"]
    ok = verdict(statistics.median(memory) <= target)
    print(f"rebuild peak memory                 {spread(memory)} MB (VmHWM; goal <= {target}) {ok}")
    for name in rounds[0]["queries"]:
        target = TARGETS[f"{name}_p99"]
        p50 = [r["queries"][name][0] for r in rounds]
        p99 = [r["queries"][name][1] for r in rounds]
        print(f"{name:<9} p50                         {spread(p50)} ms")
        ok = verdict(statistics.median(p99) <= target)
        print(f"{name:<9} p99                         {spread(p99)} ms  (goal <= {target} ms) {ok}")


SIDES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def report_postgres(events: int, rounds: list[dict]) -> None:
    """The rebuild on each backend, PostgreSQL's time against SQLite's, then the query latencies."""
    print(f"log: {events:,} events on each backend; {len(rounds)} interleaved rounds; min / median / max")
    for side, name in SIDES.items():
        runs = [r[f"rebuild {side}"] for r in rounds]
        wall = [run["events"] / run["seconds"] / 1000 for run in runs]
        cpu = [run["events"] / run["cpu"] / 1000 for run in runs]
        memory = [run["peak_mb"] for run in runs]
        print(f"rebuild {name:<10} wall {spread(wall)} k ev/s; cpu of the rebuilding process ", end="")
        print(f"{spread(cpu)} k ev/s; peak {spread(memory)} MB")
    ratio = [r["rebuild postgres"]["seconds"] / r["rebuild sqlite"]["seconds"] for r in rounds]
    goal = POSTGRES_TIME
    ok = verdict(statistics.median(ratio) <= goal)
    print(f"rebuild time PostgreSQL / SQLite     {spread(ratio)} x  (goal <= {goal}) {ok}")
    for query in rounds[0]["queries sqlite"]:
        for side, name in SIDES.items():
            p50 = [r[f"queries {side}"][query][0] for r in rounds]
            p99 = [r[f"queries {side}"][query][1] for r in rounds]
            print(f"{query:<9} {name:<10} p50 {spread(p50)} ms; p99 {spread(p99)} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache-mb", type=int, default=64, help="SQLite page cache of the query connection.")
    parser.add_argument("--repeat", type=int, default=3, help="Interleaved rounds (min/median/max shown).")
    parser.add_argument("--keep", metavar="DIR", help="Write the SQLite database here and keep it.")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="postgresql://USER@HOST:PORT/DBNAME, an empty database: rebuild and query there beside "
        "SQLite; 'postgresql': on a throwaway local cluster. Without it, SQLite alone.",
    )
    parser.add_argument("--phase", choices=["slim", "full", "rebuild", "queries"], help=argparse.SUPPRESS)
    parser.add_argument("--phase-db", help=argparse.SUPPRESS)  # the database a child phase works on
    args = parser.parse_args(argv)
    if args.phase == "queries":
        print(json.dumps(queries(args.phase_db, args.queries, args.seed, args.cache_mb)))
        return
    if args.phase:
        db = args.phase_db
        print(
            json.dumps(
                rebuild_all(db) if args.phase == "rebuild" else raw_fold(Path(db), args.phase == "slim")
            )
        )
        return
    if args.db == "postgresql":
        sys.path.insert(0, str(REPO))
        from tests.postgres import throwaway_cluster

        with throwaway_cluster() as cluster:
            args.db = cluster.create_database()
            in_folder(args)
        return
    if args.db and not is_postgres(args.db):
        parser.error("--db takes a postgresql:// URL or 'postgresql' (SQLite is always measured)")
    in_folder(args)


def in_folder(args: argparse.Namespace) -> None:
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        run(Path(args.keep) / "bench.db", args)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-projections-") as folder:
            run(Path(folder) / "bench.db", args)


def run(path: Path, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    path.unlink(missing_ok=True)
    generate(path, args.events, args.seed)
    print(f"generated {args.events:,} events in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.db:
        started = time.perf_counter()
        move_to_postgres(path, args.db)
        print(f"moved to PostgreSQL in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    options = ["--queries", str(args.queries), "--seed", str(args.seed), "--cache-mb", str(args.cache_mb)]
    databases = {"sqlite": path, "postgres": args.db}
    rounds = []
    for _ in range(args.repeat):
        if args.db:
            figures = {f"rebuild {side}": child("rebuild", db) for side, db in databases.items()}
            for side, db in databases.items():
                figures[f"queries {side}"] = child("queries", db, *options)
        else:
            figures = {phase: child(phase, path) for phase in ("slim", "full", "rebuild")}
            figures["queries"] = child("queries", path, *options)
        print(f"round: {figures}", file=sys.stderr)
        rounds.append(figures)
    (report_postgres if args.db else report)(args.events, rounds)


if __name__ == "__main__":
    main()
