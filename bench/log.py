"""The verifiable log: proof latency, the cost of signing heads, and full verification speed.

    python bench/log.py                      # 1,000,000 events
    python bench/log.py --events 100000      # quicker

Figures, each beside a baseline measured in the same run:
- inclusion and consistency proofs at N events, p50/p99 over random queries, read from the
  stored perfect subtrees (`EventStore.inclusion_proof`), beside pymerkle (in memory, the same
  leaves) answering the same queries; targets p99 <= 1 ms;
- batched appends (1,000 per transaction) with a signed head per transaction (and with
  `head_seconds=1`) beside the same appends unsigned, rounds interleaved; target <= 10% slower;
- a full `verify` of the N events beside plain SHA-256 of the same canonical bytes (held in
  memory), and beside reading the same rows and hashing each once; target >= 0.5x the former.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.append import synthetic
from events.envelope import canonical_bytes
from events.heads import Signer
from events.store import EventStore


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def build(folder: Path, n: int) -> EventStore:
    store = EventStore.open(folder / "log.db", synchronous="OFF", signer=Signer.create(folder / "log.key"))
    started = time.perf_counter()
    for offset in range(0, n, 100_000):
        store.import_events(synthetic(min(100_000, n - offset), offset))
    print(f"built a log of {n:,} events in {time.perf_counter() - started:.1f} s")
    return store


def bench_proofs(store: EventStore, n: int, queries: int, pymerkle_limit: int) -> None:
    """Wall-clock and CPU time per proof: on a machine shared with other work the wall-clock
    tail is mostly time spent waiting for a core (pymerkle's in-memory tail shows how much)."""
    rng = random.Random(16)
    positions = [rng.randint(1, n) for _ in range(queries)]
    pairs = [tuple(sorted((rng.randint(1, n), rng.randint(1, n)))) for _ in range(queries)]
    for position in positions[:200]:  # warm the page cache as a serving process would be
        store.inclusion_proof(position, n)
    ours = {
        "inclusion": _time_each(lambda p: store.inclusion_proof(p, n), positions),
        "consistency": _time_each(lambda pair: store.consistency_proof(*pair), pairs),
    }
    limit = min(n, pymerkle_limit)
    theirs = _pymerkle(store, limit, rng, queries)
    print(f"\nproofs at {n:,} events ({queries} random queries each; pymerkle over {limit:,} leaves)")
    print("| proof | ours p50 | ours p99 | ours p99 CPU | pymerkle p50 | pymerkle p99 | target p99 |")
    print("|---|---|---|---|---|---|---|")
    for kind, (wall, cpu) in ours.items():
        other = theirs[kind]
        print(
            f"| {kind} | {_ms(wall, 0.5)} | {_ms(wall, 0.99)} | {_ms(cpu, 0.99)} "
            f"| {_ms(other, 0.5)} | {_ms(other, 0.99)} | 1 ms |"
        )


def _time_each(fn: Callable[[Any], object], inputs: list[Any]) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for item in inputs:
        t, c = time.perf_counter(), time.thread_time()
        fn(item)
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    return wall, cpu


def _ms(values: list[float], share: float) -> str:
    return f"{percentile(values, share) * 1e3:.3f} ms"


def _pymerkle(store: EventStore, n: int, rng: random.Random, queries: int) -> dict[str, list[float]]:
    from pymerkle import InmemoryTree

    tree = InmemoryTree(algorithm="sha256")
    for row in store.conn.execute(
        "SELECT position, event_id, stream, version, type, schema_version, occurred, recorded_at, "
        "payload, source FROM events WHERE position <= ? ORDER BY position",
        [n],
    ):
        tree.append_entry(canonical_bytes(*row))
    timings: dict[str, list[float]] = {"inclusion": [], "consistency": []}
    for _ in range(queries):
        index = rng.randint(1, n)
        t = time.perf_counter()
        tree.prove_inclusion(index, n)
        timings["inclusion"].append(time.perf_counter() - t)
        first, second = sorted((rng.randint(1, n), rng.randint(1, n)))
        t = time.perf_counter()
        tree.prove_consistency(first, second)
        timings["consistency"].append(time.perf_counter() - t)
    return timings


def bench_signing(folder: Path, events: int, rounds: int) -> None:
    """Batches of 1,000 with synchronous=FULL; the three stores take turns each round."""
    stores = {
        "unsigned": EventStore.open(folder / "plain.db"),
        "signed, a head per transaction": EventStore.open(
            folder / "signed.db", signer=Signer.create(folder / "signed.key")
        ),
        "signed, head_seconds=1": EventStore.open(
            folder / "batched.db", signer=Signer.create(folder / "batched.key"), head_seconds=1.0
        ),
    }
    per_round = events // rounds
    totals = dict.fromkeys(stores, 0.0)
    for r in range(rounds):
        batches = [synthetic(1000, r * per_round + i) for i in range(0, per_round, 1000)]
        for name, store in stores.items():
            t = time.perf_counter()
            for batch in batches:
                store.append(batch)
            totals[name] += time.perf_counter() - t
    base = per_round * rounds / totals["unsigned"]
    print(f"\nbatched appends, 1,000 per transaction, synchronous=FULL ({per_round * rounds:,} events each)")
    print("| store | events/s | vs unsigned | target |")
    print("|---|---|---|---|")
    for name, seconds in totals.items():
        rate = per_round * rounds / seconds
        print(f"| {name} | {rate:,.0f} | {rate / base - 1:+.1%} | >= -10% |")


def bench_verify(store: EventStore, n: int) -> None:
    columns = (
        "position, event_id, stream, version, type, schema_version, occurred, recorded_at, payload, source"
    )
    canonicals = [
        canonical_bytes(*row) for row in store.conn.execute(f"SELECT {columns} FROM events ORDER BY position")
    ]
    size = sum(map(len, canonicals))
    t = time.perf_counter()
    for data in canonicals:
        hashlib.sha256(data).digest()
    plain = time.perf_counter() - t
    del canonicals
    t = time.perf_counter()
    for row in store.conn.execute(f"SELECT {columns}, prev_hash, hash FROM events ORDER BY position"):
        hashlib.sha256(canonical_bytes(*row[:10])).digest()
    read_and_hash = time.perf_counter() - t
    t = time.perf_counter()
    store.verify(catalogues=True)
    ours = time.perf_counter() - t
    print(f"\nfull verification of {n:,} events ({size / 1e6:,.0f} MB of canonical bytes)")
    print("| what | seconds | events/s | ours vs it | target |")
    print("|---|---|---|---|---|")
    print(f"| `verify` (chain, tree, nodes, heads, catalogues) | {ours:.2f} | {n / ours:,.0f} | | |")
    for what, seconds, target in (
        ("plain SHA-256 of the canonical bytes in memory", plain, ">= 0.5x"),
        ("read the rows + SHA-256 of each, once", read_and_hash, ""),
    ):
        print(f"| {what} | {seconds:.2f} | {n / seconds:,.0f} | {seconds / ours:.2f}x | {target} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--append-events", type=int, default=30_000)
    parser.add_argument("--pymerkle-limit", type=int, default=200_000, help="leaves given to pymerkle")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = build(folder, args.events)
        bench_proofs(store, args.events, args.queries, args.pymerkle_limit)
        bench_verify(store, args.events)
        store.close()
        bench_signing(folder, args.append_events, rounds=5)


if __name__ == "__main__":
    main()
