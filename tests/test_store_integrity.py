"""The Merkle tree, signed heads and recorded breaks, on each backend (SQLite, then PostgreSQL).

An attacker here holds the database owner's rights: triggers can be dropped and every hash
recomputed, but not the signing key, which lives outside the database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from events import merkle
from events.errors import ChainBroken
from events.heads import Signer, head_is_signed
from events.store import EventStore
from tests.conftest import RawLog, new
from tests.faults.attacks import rewrite_rows

COLUMNS = (
    "position, event_id, stream, version, type, schema_version, occurred, recorded_at, "
    "payload, source, prev_hash, hash"
)


@pytest.fixture
def signed(any_store: EventStore, tmp_path: Path) -> EventStore:
    any_store.signer = Signer.create(tmp_path / "log.key")
    for i in range(4):
        any_store.append([new(f"s{i}", title={"zh": "会议", "en": f"Meeting {j}"}) for j in range(5)])
    return any_store


def test_every_append_signs_a_head_and_proofs_verify_against_it(signed: EventStore):
    head = signed.tree_head()
    assert head is not None and head.size == 20
    assert signed.signer is not None and head_is_signed(signed.signer.public, head)
    root = bytes.fromhex(head.root)
    for position in (1, 7, 20):
        leaf = merkle.leaf_hash(signed.canonical(position))
        proof = signed.inclusion_proof(position, 20)
        assert merkle.verify_inclusion(position - 1, 20, leaf, proof, root)
        assert not merkle.verify_inclusion(position % 20, 20, leaf, proof, root)
    earlier = signed.tree_root(5)
    assert merkle.verify_consistency(5, 20, signed.consistency_proof(5, 20), earlier, root)
    assert signed.verify(catalogues=True) == 20


def test_the_scheduled_signing_signs_what_appends_left_unsigned(any_store: EventStore, tmp_path: Path):
    any_store.signer = Signer.create(tmp_path / "log.key")
    any_store.head_seconds = 3600  # the first append signs, the next ones wait for the job
    for i in range(3):
        any_store.append([new(f"s{i}", 0), new(f"t{i}", 0)])
    assert any_store.tree_head().size == 2  # type: ignore[union-attr]
    signed = any_store.sign_head()
    assert signed is not None and signed.size == 6 and any_store.tree_head() == signed
    assert any_store.sign_head() is None  # nothing new
    any_store.append([new("u", 0)])
    assert any_store.verify() == 7


def test_a_history_rewritten_with_every_hash_recomputed_fails_at_a_signed_head(
    signed: EventStore, raw_log: RawLog
):
    _rewrite_from(raw_log, 12)
    with pytest.raises(ChainBroken) as info:
        signed.verify()
    assert "rewritten with its hashes recomputed" in info.value.reason
    assert 1 <= info.value.position <= 12


def test_a_shortened_log_is_named_and_the_recorded_break_holds_writes(signed: EventStore, raw_log: RawLog):
    assert signed.check_integrity(full=True).ok
    _drop_triggers(raw_log)
    raw_log.execute("DELETE FROM events WHERE position > ?", [17])
    integrity = signed.check_integrity(full=True)
    assert integrity.broken_position == 18
    assert "a signed head covers 20 events" in (integrity.broken_reason or "")
    head = signed.head()
    with pytest.raises(ChainBroken, match="writes are refused"):
        signed.append([new("after-the-break")])
    assert signed.head() == head


def _drop_triggers(raw: RawLog) -> None:
    if raw.postgres:
        for table in ("events", "merkle_nodes"):
            raw.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    else:
        names = raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for (name,) in names:
            raw.execute(f"DROP TRIGGER {name}")


def _rewrite_from(raw: RawLog, position: int) -> None:
    """Edit every event from `position` on; recompute the chain and every stored Merkle node."""
    _drop_triggers(raw)
    rewrite_rows(raw, position)


def test_on_postgresql_the_head_file_outside_the_database_catches_a_truncation_with_its_heads_gone(
    pg_url: str, tmp_path: Path
) -> None:
    """An owner who disables every trigger and deletes the log's end with the signed heads that
    cover it still cannot reach the head file on the node's disk."""
    from events.backends import open_log
    from events.reference import Reference
    from tests.conftest import PROGRAMMES, REGIONS, SOURCES

    store = open_log(pg_url)
    store.head_file = tmp_path / "timeline.key.head"  # type: ignore[attr-defined]
    store.signer = Signer.create(tmp_path / "timeline.key")
    Reference(store.db).upsert([*REGIONS, *PROGRAMMES, *SOURCES])
    store.append([new(f"s{i}", 0) for i in range(20)])
    assert store.head_file.exists() and store.verify() == 20  # type: ignore[attr-defined]
    raw = RawLog(pg_url)
    for table in ("events", "merkle_nodes", "tree_heads"):
        raw.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    raw.execute("DELETE FROM events WHERE position > 17")
    raw.execute("DELETE FROM tree_heads")
    raw.close()
    with pytest.raises(ChainBroken, match="a signed head covers 20 events"):
        store.verify()
    store.close()
