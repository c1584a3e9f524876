"""`timeline init` with the full gazetteer, and the memory the reference data takes.

    python bench/gazetteer.py              # 5 runs of each
    python bench/gazetteer.py --repeat 2

Prints, measured in the same run:
- wall time of `timeline init` on an empty database, as a user runs it (a fresh process:
  interpreter start, imports, building the gazetteer from the data package, appending a
  `region_defined` event per region), beside the same command with a seeds folder that defines
  only the nation (the command's fixed cost) and beside raw sqlite3 inserting the same rows;
- memory of the reference data in a process that reads it back: the decoded regions, the
  region tree, the search index (tracemalloc, and the growth of resident memory), and
  separately the region text matcher.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

# Run as `python bench/gazetteer.py`, this folder comes first on sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"init_seconds": 2.0, "reference_mb": 30.0}
NATION_ONLY = """[[region]]
code = "100000"
name = { zh = "中华人民共和国", en = "People's Republic of China" }
kind = "nation"
"""


def timeline_command() -> list[str]:
    return [sys.executable, "-m", "timeline"]


def init_seconds(folder: Path, seeds: Path, repeat: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each run; CPU (user + system of the child) shows the work itself
    when the machine is shared and wall time waits for other processes."""
    times = []
    for run in range(repeat):
        db = folder / f"init-{seeds.name}-{run}.db"
        env_seeds = ["--config", str(write_config(folder, seeds))]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [*timeline_command(), "init", "--db", str(db), *env_seeds], check=True, capture_output=True
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        times.append((wall, cpu))
    return times


def write_config(folder: Path, seeds: Path) -> Path:
    path = folder / f"{seeds.name}.toml"
    path.write_text(f'seeds_dir = "{seeds}"\n', encoding="utf-8")
    return path


def raw_insert_seconds(folder: Path, repeat: int) -> list[float]:
    """A floor: sqlite3 writing the same catalogue rows, already encoded, into a fresh file
    (no log, no hash chain, no validation)."""
    import msgspec

    from timeline.gazetteer.build import build_regions

    rows = [(r.code, msgspec.json.encode(r).decode()) for r in build_regions(REPO / "seeds", [])]
    times = []
    for run in range(repeat):
        started = time.perf_counter()
        conn = sqlite3.connect(folder / f"raw-{run}.db")
        conn.execute("CREATE TABLE regions (code TEXT PRIMARY KEY, data TEXT NOT NULL)")
        with conn:
            conn.executemany("INSERT INTO regions VALUES (?, ?)", rows)
        conn.close()
        times.append(time.perf_counter() - started)
    return times


def memory(db: Path) -> dict[str, float]:
    """In this (fresh) process: what reading the reference data back costs."""
    from events.reference import Reference
    from events.store import EventStore
    from projections.region_search import region_index
    from projections.regions import tree_of
    from timeline.gazetteer.matcher import RegionMatcher

    store = EventStore.open(db, create=False)
    rss_before = resident_mb()
    tracemalloc.start()
    reference = Reference(store.db)
    regions = reference.regions()
    tree_of(reference)
    region_index(reference)
    reference_mb = tracemalloc.get_traced_memory()[0] / 2**20
    rss_reference = resident_mb() - rss_before
    tracemalloc.stop()
    RegionMatcher(regions)  # its automaton lives in C memory, which tracemalloc does not see
    matcher_rss = resident_mb() - rss_before - rss_reference
    return {
        "regions": len(regions),
        "reference_mb": reference_mb,
        "reference_rss_mb": rss_reference,
        "matcher_rss_mb": matcher_rss,
    }


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--phase", choices=["memory"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase == "memory":
        print(json.dumps(memory(Path(args.db))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-gazetteer-") as name:
        folder = Path(name)
        bare = folder / "nation-only"
        bare.mkdir()
        (bare / "regions.toml").write_text(NATION_ONLY, encoding="utf-8")
        full = init_seconds(folder, REPO / "seeds", args.repeat)
        fixed = init_seconds(folder, bare, args.repeat)
        raw = raw_insert_seconds(folder, args.repeat)
        db = folder / "init-seeds-0.db"
        command = [sys.executable, __file__, "--phase", "memory", "--db", str(db)]
        measured = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    report(full, fixed, raw, measured, args.repeat)


def report(
    full: list[tuple[float, float]],
    fixed: list[tuple[float, float]],
    raw: list[float],
    measured: dict,
    repeat: int,
) -> None:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
        return min(w for w, _ in runs), min(c for _, c in runs)

    target = TARGETS["init_seconds"]
    (wall, cpu), (fixed_wall, fixed_cpu) = best(full), best(fixed)
    print(f"`timeline init` on an empty database, best of {repeat} fresh processes (wall / CPU):")
    print(
        f"  with the full gazetteer ({measured['regions']:,} region_defined events) "
        f"{wall:5.2f} s / {cpu:5.2f} s  (target < {target} s) {verdict(wall < target)}"
    )
    print(
        f"  with the nation only (the command's fixed cost)         {fixed_wall:5.2f} s / {fixed_cpu:5.2f} s"
    )
    print(f"  raw sqlite3 inserting the same rows, in process         {min(raw):5.3f} s")
    mb, rss, target = measured["reference_mb"], measured["reference_rss_mb"], TARGETS["reference_mb"]
    print(
        f"reference data read back (regions, tree, search index): {mb:.1f} MB allocated "
        f"(tracemalloc), resident +{rss:.1f} MB (target < {target} MB) {verdict(max(mb, rss) < target)}"
    )
    print(f"region text matcher built on top of it: resident +{measured['matcher_rss_mb']:.1f} MB")


if __name__ == "__main__":
    main()
