"""Review decisions: accepting appends the (edited) milestone and the decision in one
transaction, rejecting records the reason, and neither candidate is proposed again."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_curation_archive import add, article, db, seeded  # noqa: F401 - fixtures

from events.errors import InvalidEvent, UnknownReference
from events.store import EventStore
from events.types import CandidateAccepted, CandidateRejected, IncentiveAwarded
from timeline.cli import main  # noqa: F401 - registers the commands `add` runs
from timeline.curation.render import draft_event
from timeline.curation.review import CandidateDecided, accept, open_candidates, reject

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SOURCE = "jinzhong-news-2024-06-20"


def test_accept_after_editing_and_reject_are_decisions_in_the_log(db: Path, article: Path) -> None:  # noqa: F811
    assert add(db, article)[0] == 0
    store = EventStore.open(db, create=False)
    candidates = open_candidates(store, SOURCE, SEEDS)
    award = next(c for c in candidates if c.type == "incentive_awarded")
    rating = next(c for c in candidates if c.type == "rating_awarded")
    edited = draft_event(award)
    edited["occurred"] = "2024-05-08"  # the curator checked the day
    edited["title"]["en"] = "Shouyang receives a provincial award"
    edited["summary"]["en"] = "Shouyang received CNY 3 million in provincial award funds."
    edited["awarding_body"] = {"zh": "山西省", "en": "Shanxi Province"}
    result = accept(store, SOURCE, award.candidate_id, edited, SEEDS)
    milestone, decision = (store.get(event_id) for event_id in result.event_ids)
    assert isinstance(milestone.event, IncentiveAwarded) and milestone.event.occurred == "2024-05-08"
    assert milestone.event.sources[0].locator == award.evidence.locator
    assert isinstance(decision.event, CandidateAccepted) and decision.stream == f"review-{SOURCE}"
    assert str(decision.event.event_id) == str(milestone.event_id)
    reject(store, SOURCE, rating.candidate_id, "考核结果未公示,暂不记录", SEEDS)
    [_, rejected] = store.read_stream(f"review-{SOURCE}")
    assert isinstance(rejected.event, CandidateRejected) and rejected.event.reason.startswith("考核结果")
    left = {c.candidate_id for c in open_candidates(store, SOURCE, SEEDS)}
    assert award.candidate_id not in left and rating.candidate_id not in left
    assert len(left) == len(candidates) - 2
    with pytest.raises(CandidateDecided, match="already accepted"):
        accept(store, SOURCE, award.candidate_id, None, SEEDS)
    with pytest.raises(CandidateDecided, match="already rejected"):
        reject(store, SOURCE, rating.candidate_id, "再次", SEEDS)


def test_an_invalid_acceptance_names_each_field_and_writes_nothing(db: Path, article: Path) -> None:  # noqa: F811
    assert add(db, article)[0] == 0
    store = EventStore.open(db, create=False)
    award = next(c for c in open_candidates(store, SOURCE, SEEDS) if c.type == "incentive_awarded")
    head = store.head().position
    with pytest.raises(InvalidEvent) as caught:
        accept(store, SOURCE, award.candidate_id, None, SEEDS)  # as drafted: English left empty
    paths = {p.path for p in caught.value.problems}
    assert "$.title.en" in paths or "$.title" in paths
    edited = draft_event(award) | {"occurred": "2024-02-30"}
    with pytest.raises(InvalidEvent) as caught:
        accept(store, SOURCE, award.candidate_id, edited, SEEDS)
    assert any(p.path.startswith("$.") for p in caught.value.problems)
    with pytest.raises(InvalidEvent) as caught:
        reject(store, SOURCE, award.candidate_id, "", SEEDS)
    assert [p.path for p in caught.value.problems] == ["$.reason"]
    with pytest.raises(UnknownReference):
        accept(store, SOURCE, "c-0000000000000000", None, SEEDS)
    assert store.head().position == head
    assert award.candidate_id in {c.candidate_id for c in open_candidates(store, SOURCE, SEEDS)}
