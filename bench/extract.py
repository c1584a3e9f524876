"""Candidate extraction measured against the curated seeds, per document and overall.

    python bench/extract.py                  # the documents in ../shared/sources/
    python bench/extract.py --sources DIR --repeat 5

Each document file is read and normalised, matched to its entry in `seeds/sources.toml` by the
SHA-256 of its normalised text (`text_sha256`), and extracted; its candidates are compared with
the curated milestones citing it. A curated milestone is found when some candidate has the same
type, a region in common and an overlapping `occurred` interval; a candidate is right when it
finds some curated milestone. Because a candidate known only "by the publication date" overlaps
every earlier date, the one-to-one columns also pair each candidate with at most one curated
milestone (a maximum matching): the stricter view of how much a curator is spared. Recall is
given over the milestones whose date the document states
(everything but "known by publication", `../DATE`) and over all of them. The role columns
compare the regions in roles other than subject (`participants`, `issuers`) between found
milestones and the candidates that find them: recall over the curated roles, precision over the
proposed ones (no target; a dash where there is nothing to count).

Baseline in the same run: the time to read, normalise and hash the same document. Targets:
recall ≥ 0.85 (dated) and ≥ 0.7 (all), precision ≥ 0.6, ≤ 1 s per document.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from events.errors import FieldProblem  # noqa: E402
from events.reference import Programme, Region, SourceDocument  # noqa: E402
from timeline.curation.extract import Extractor  # noqa: E402
from timeline.curation.places import region_matcher  # noqa: E402
from timeline.curation.reading import content_address, read_document  # noqa: E402
from timeline.curation.recorded import same_fact  # noqa: E402
from timeline.curation.rules import load_cue_rules, load_date_rules  # noqa: E402
from timeline.gazetteer.build import build_regions  # noqa: E402
from timeline.seeds import read_catalogues, read_milestones  # noqa: E402

TARGETS = {"recall_dated": 0.85, "recall_all": 0.7, "precision": 0.6, "seconds": 1.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=Path, default=ROOT.parent / "shared" / "sources")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per document (best is shown)")
    args = parser.parse_args()
    problems: list[FieldProblem] = []
    catalogues = read_catalogues(args.seeds, problems)
    submissions, _ = read_milestones(args.seeds, problems)
    if problems:
        print("seed problems:", *problems, sep="\n  ")
        return 1
    sources = {s.text_sha256: s for s in catalogues if isinstance(s, SourceDocument) and s.text_sha256}
    # The whole national gazetteer, as a database built by `timeline init` holds it: more names
    # to confuse the matcher than the seeds' Shanxi regions alone.
    regions = build_regions(args.seeds, problems) or [c for c in catalogues if isinstance(c, Region)]
    started = time.perf_counter()
    matcher = region_matcher(regions)
    print(
        f"{len(regions)} regions, matcher {type(matcher).__module__}.{type(matcher).__name__} "
        f"built in {(time.perf_counter() - started) * 1000:.0f} ms\n"
    )
    extractor = Extractor(
        date_rules=load_date_rules(args.seeds),
        cue_rules=load_cue_rules(args.seeds),
        regions=regions,
        programmes=[c for c in catalogues if isinstance(c, Programme)],
        matcher=matcher,
    )
    milestones = _as_corrected(submissions)
    header = (
        f"{'document':36} {'curated':>7} {'dated':>5} {'cands':>5} {'rec.dated':>9} {'rec.all':>7} "
        f"{'prec.':>5} {'1:1 rec.':>8} {'1:1 prec.':>9} {'role rec.':>9} {'role prec.':>10} "
        f"{'extract ms':>10} {'read ms':>7}"
    )
    print(header)
    print("-" * len(header))
    counts = ("paired", "curated", "dated", "found", "found_dated", "cands", "right")
    totals = dict.fromkeys((*counts, "roles", "roles_found", "cand_roles", "cand_roles_right"), 0)
    slowest = 0.0
    for path in sorted(args.sources.glob("*.txt")):
        raw = path.read_bytes()
        read_s, text = _best(args.repeat, lambda raw=raw, name=path.name: read_document(raw, name))
        source = sources.get(content_address(text))
        if source is None:
            print(f"{path.name:36} no entry in seeds/sources.toml has this text's SHA-256")
            continue
        published = date.fromisoformat(source.published.rstrip("?~%")[:10])

        def run(source: SourceDocument = source, text: str = text, published: date = published) -> list:
            return extractor.extract(source=source.id, text=text, published=published, region=source.region)

        extract_s, candidates = _best(args.repeat, run)
        slowest = max(slowest, extract_s)
        curated = [m for m in milestones if any(s["document"] == source.id for s in m["sources"])]
        row = _compare(curated, candidates)
        for key in totals:
            totals[key] += row[key]
        print(_line(source.id, row, extract_s, read_s))
    print("-" * len(header))
    print(_line("overall (slowest document)", totals, slowest, 0.0)[:-7] + "      -")
    overall = _rates(totals)
    print(
        "\ntargets: recall (dated) ≥ {recall_dated}, recall (all) ≥ {recall_all}, "
        "precision ≥ {precision}, ≤ {seconds} s per document".format(**TARGETS)
    )
    met = {
        "recall_dated": overall[0] >= TARGETS["recall_dated"],
        "recall_all": overall[1] >= TARGETS["recall_all"],
        "precision": overall[2] >= TARGETS["precision"],
        "seconds": slowest <= TARGETS["seconds"],
    }
    print("  ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in met.items()))
    return 0


def _as_corrected(submissions: list[dict]) -> list[dict]:
    """The curated milestones as the log ends up holding them: corrections' `changes` applied
    (roles were added that way), retracted ones left out."""
    by_id = {s["event_id"]: dict(s["event"]) for s in submissions if "regions" in s["event"]}
    for s in submissions:
        event = s["event"]
        if event["type"] == "milestone_corrected" and event["corrects"] in by_id:
            by_id[event["corrects"]].update(event["changes"])
        elif event["type"] == "milestone_retracted":
            by_id.pop(event["retracts"], None)
    return list(by_id.values())


def _best(repeat: int, fn):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _dated(milestone: dict) -> bool:
    return not str(milestone["occurred"]).startswith("../")


def _compare(curated: list[dict], candidates: list) -> dict[str, int]:
    def hit(m: dict, c) -> bool:  # type: ignore[no-untyped-def]
        return same_fact(c.type, c.occurred, c.regions, m["type"], m["occurred"], m["regions"])

    edges = [[j for j, c in enumerate(candidates) if hit(m, c)] for m in curated]
    found = [m for m, e in zip(curated, edges, strict=True) if e]
    right = [c for j, c in enumerate(candidates) if any(j in e for e in edges)]
    curated_roles = [
        ({(role, code) for role in _ROLES for code in m.get(role, ())}, [candidates[j] for j in e])
        for m, e in zip(curated, edges, strict=True)
        if e
    ]
    proposed_roles = [
        (_roles_of(c), [m for m, e in zip(curated, edges, strict=True) if j in e])
        for j, c in enumerate(candidates)
        if any(j in e for e in edges)
    ]
    return {
        "roles": sum(len(wanted) for wanted, _ in curated_roles),
        "roles_found": sum(
            sum(any(r in _roles_of(c) for c in hits) for r in wanted) for wanted, hits in curated_roles
        ),
        "cand_roles": sum(len(roles) for roles, _ in proposed_roles),
        "cand_roles_right": sum(
            sum(any(code in m.get(role, ()) for m in hits) for role, code in roles)
            for roles, hits in proposed_roles
        ),
        "paired": _max_pairing(edges),
        "curated": len(curated),
        "dated": sum(map(_dated, curated)),
        "found": len(found),
        "found_dated": sum(map(_dated, found)),
        "cands": len(candidates),
        "right": len(right),
    }


_ROLES = ("participants", "issuers")


def _roles_of(candidate) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(role, code) for role in _ROLES for code in getattr(candidate, role)}


def _max_pairing(edges: list[list[int]]) -> int:
    """Largest one-to-one pairing of curated milestones with candidates (augmenting paths)."""
    owner: dict[int, int] = {}

    def claim(m: int, seen: set[int]) -> bool:
        for c in edges[m]:
            if c not in seen:
                seen.add(c)
                if c not in owner or claim(owner[c], seen):
                    owner[c] = m
                    return True
        return False

    return sum(claim(m, set()) for m in range(len(edges)))


def _rates(row: dict[str, int]) -> tuple[float, float, float]:
    return (
        row["found_dated"] / row["dated"] if row["dated"] else 1.0,
        row["found"] / row["curated"] if row["curated"] else 1.0,
        row["right"] / row["cands"] if row["cands"] else 1.0,
    )


def _line(name: str, row: dict[str, int], extract_s: float, read_s: float) -> str:
    dated, all_, precision = _rates(row)
    return (
        f"{name:36} {row['curated']:7} {row['dated']:5} {row['cands']:5} {dated:9.2f} {all_:7.2f} "
        f"{precision:5.2f} {row['paired'] / max(1, row['curated']):8.2f} "
        f"{row['paired'] / max(1, row['cands']):9.2f} "
        f"{_share(row['roles_found'], row['roles']):>9} "
        f"{_share(row['cand_roles_right'], row['cand_roles']):>10} "
        f"{extract_s * 1000:10.1f} {read_s * 1000:7.1f}"
    )


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "-"


if __name__ == "__main__":
    sys.exit(main())
