"""The projections against a naive model: replay the log up to `known_at` into plain Python
and answer from that. Every as-of and known-at answer must match, for random logs."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.dates import PRECISION_RANK, parse_edtf
from events.reference import Reference
from events.submissions import apply_changes
from events.types import (
    Event,
    Milestone,
    MilestoneCorrected,
    MilestoneRetracted,
    PilotDesignated,
    SourceDated,
)
from projections import catch_up, programme_members, status_report, timeline_page
from projections.doubts import widened
from tests.conftest import REGIONS
from tests.test_projections_runner import STEP, _append_all, _events, _open

DAYS = [date(2016, 1, 1), date(2017, 9, 30), date(2017, 10, 1), date(2017, 10, 15), date(2017, 10, 20)]
DAYS += [date(2017, 10, 31), date(2017, 11, 1), date(2017, 11, 2), date(2018, 2, 15), date(2019, 1, 1)]
INHERITS = {"county-integration": False, "dip-payment": False, "dip-city": True}
PARENTS = {r.code: r.parent for r in REGIONS}


def replay(events: list[Event], known_at: int) -> dict[int, tuple[str, Milestone, bool]]:
    """Milestones by position as known at `known_at`: (event id, current version as shown,
    retracted). Doubts about the test document's dates widen the dates it alone supports."""
    ids = {f"00000000-0000-4000-8000-{i:012d}": i + 1 for i in range(len(events))}
    known: dict[int, tuple[str, Milestone, bool]] = {}
    doubts: list[SourceDated] = []
    for index, event in enumerate(events[:known_at]):
        if isinstance(event, Milestone):
            known[index + 1] = (f"00000000-0000-4000-8000-{index:012d}", event, False)
            continue
        if isinstance(event, SourceDated):
            doubts.append(event)
            continue
        assert isinstance(event, MilestoneCorrected | MilestoneRetracted)
        target = ids[str(event.corrects if isinstance(event, MilestoneCorrected) else event.retracts)]
        if target not in known:
            continue
        event_id, current, retracted = known[target]
        if isinstance(event, MilestoneRetracted):
            known[target] = (event_id, current, True)
        else:
            corrected, _ = apply_changes(current, event.changes, "$")
            if corrected is not None:
                known[target] = (event_id, corrected, retracted)
    return {p: (i, shown(m, events[p - 1], doubts), r) for p, (i, m, r) in known.items()}  # type: ignore[arg-type]


def shown(milestone: Milestone, printed: Milestone, doubts: list[SourceDated]) -> Milestone:
    """The version shown: every doubt folded over its date, in log order."""
    occurred = milestone.occurred
    for doubt in doubts:
        occurred = widened(occurred, printed.occurred, doubt)
    return msgspec.structs.replace(milestone, occurred=occurred)


def status_of(milestone: Milestone) -> str | None:
    if not milestone.programmes:
        return None
    statuses = {"rating_awarded": "rated", "incentive_awarded": "awarded", "designation_ended": "ended"}
    if isinstance(milestone, PilotDesignated):
        return milestone.status
    return statuses.get(milestone.__struct_config__.tag)


def order(position: int, milestone: Milestone) -> tuple[date, int, int]:
    fuzzy = parse_edtf(milestone.occurred)
    return fuzzy.sort_day, PRECISION_RANK[fuzzy.precision], position


def ends(later: Milestone, earlier: Milestone, programme: str) -> bool:
    """The rules of `projections.status_rules`, restated: the same status or an ending ends a
    fact, an ending ends at any later fact, and in county-integration (conftest) "designated"
    supersedes "planned"."""
    new, old = status_of(later), status_of(earlier)
    declared = programme == "county-integration" and (new, old) == ("designated", "planned")
    return new == old or "ended" in (new, old) or declared


def own_answers(
    known: dict[int, tuple[str, Milestone, bool]], region: str, programme: str, day: date
) -> dict[str, Any]:
    """Every status holding on `day`: each fact that may have started, not ended by a later
    fact that ends it and may have started by then."""
    facts = sorted(
        (order(p, m), p, m)
        for p, (_, m, retracted) in known.items()
        if not retracted and status_of(m) and region in m.regions and programme in m.programmes
    )
    holding: dict[str, Any] = {}
    for index, (_, _, milestone) in enumerate(facts):
        earliest = parse_edtf(milestone.occurred).earliest
        if earliest is not None and earliest > day:
            continue
        ended = False
        for _, _, later in facts[index + 1 :]:
            start = parse_edtf(later.occurred).earliest
            if ends(later, milestone, programme) and (start is None or start <= day):
                ended = True
        if ended:
            continue
        latest = parse_edtf(milestone.occurred).latest
        certainty = "yes" if latest is not None and latest <= day else "uncertain"
        holding[status_of(milestone)] = (status_of(milestone), certainty, milestone.occurred)  # type: ignore[index]
    return holding


RANK = {"county-integration": ["demonstration", "designated", "rated", "awarded", "planned", "ended"]}


def expected_status(known: dict[int, tuple[str, Milestone, bool]], region: str, day: date) -> list[Any]:
    out = []
    for programme, inherits in sorted(INHERITS.items()):
        lineage = [region]
        while inherits and PARENTS[lineage[-1]] is not None:
            lineage.append(PARENTS[lineage[-1]])  # type: ignore[arg-type]
        by_status: dict[str, list[tuple[str, Any]]] = {}
        for code in lineage:
            for status, answer in own_answers(known, code, programme, day).items():
                by_status.setdefault(status, []).append((code, answer))
        held = []
        for found in by_status.values():
            code, answer = next(((c, a) for c, a in found if a[1] == "yes"), found[0])
            held.append((*answer, None if code == region else code))
        rank = RANK.get(programme, [])
        held.sort(
            key=lambda h: (
                rank.index(h[0]) if h[0] in rank else len(rank),
                h[1] == "uncertain",
                -(parse_edtf(h[2]).earliest or date.min).toordinal(),
                h[0],
            )
        )
        out.append((programme, held[0] if held else (None, "no", None, None), held))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(STEP, min_size=1, max_size=20), pauses=st.sets(st.integers(0, 20)), batch=st.integers(1, 5)
)
def test_answers_match_a_naive_replay_at_every_position(
    steps: list[tuple[Any, ...]], pauses: set[int], batch: int
) -> None:
    events = _events(steps)
    with tempfile.TemporaryDirectory() as folder:
        store = _open(Path(folder), "timeline.db")
        try:
            _append_all(store, events, pauses, batch)
            catch_up(store, batch_size=batch)
            reference = Reference(store.db)
            for known_at in range(len(events) + 1):
                known = replay(events, known_at)
                for region in PARENTS:
                    page = timeline_page(store, reference, region, known_at=known_at, limit=500)
                    entries = sorted(
                        (order(p, m), event_id)
                        for p, (event_id, m, retracted) in known.items()
                        if not retracted and region in m.regions
                    )
                    assert [e.event_id for e in page.entries] == [event_id for _, event_id in entries]
                    shown_dates = {e.event_id: e.occurred.edtf for e in page.entries}
                    assert shown_dates == {
                        i: m.occurred for _, (i, m, r) in known.items() if i in shown_dates
                    }
                    roles = ["participant", "issuer"]
                    others = timeline_page(
                        store, reference, region, known_at=known_at, limit=500, roles=roles
                    )
                    assert [e.event_id for e in others.entries] == [
                        event_id
                        for _, event_id, m in sorted(
                            (order(p, m), event_id, m)
                            for p, (event_id, m, retracted) in known.items()
                            if not retracted and region in (*m.participants, *m.issuers)
                        )
                    ]
                    for day in DAYS:
                        report = status_report(store, reference, region, as_of=day, known_at=known_at)
                        got = [
                            (
                                s.programme,
                                (s.status, s.certainty, s.since.edtf if s.since else None, s.inherited_from),
                                [
                                    (
                                        h.status,
                                        h.certainty,
                                        h.since.edtf if h.since else None,
                                        h.inherited_from,
                                    )
                                    for h in s.statuses
                                ],
                            )
                            for s in report.programmes
                        ]
                        assert got == expected_status(known, region, day), (known_at, region, day)
            # Members as known now read one code range of the `members` index per `within`;
            # they must equal the same question asked of the full log at its head (a scan of
            # every interval, filtered in Python).
            for programme in (p.slug for p in reference.programmes()):
                for day in DAYS:
                    for within in (None, *PARENTS):
                        now = programme_members(store, reference, programme, as_of=day, within=within)
                        head = programme_members(
                            store, reference, programme, as_of=day, within=within, known_at=len(events)
                        )
                        assert now.members == head.members, (programme, day, within)
        finally:
            store.close()
