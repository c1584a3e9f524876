"""What an event store does, whichever database holds it.

`events.store.EventStore` (SQLite, the embedded default) and
`events.postgres.store.PostgresEventStore` both satisfy this protocol; callers that only append,
read and verify should ask for a `Store`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable
from uuid import UUID

from events.envelope import AppendResult, Head, Integrity, NewEvent, RecordedEvent
from events.heads import SignedHead


@runtime_checkable
class Store(Protocol):
    """The append-only log: appends, reads, and the proofs that nothing was altered."""

    def append(self, items: Sequence[NewEvent], *, idempotency_key: str | None = None) -> AppendResult:
        """Append a batch in one transaction, all or nothing, checking expected versions."""
        ...

    def import_events(self, items: Iterable[NewEvent], *, chunk: int = 10_000) -> AppendResult: ...

    def head(self) -> Head: ...

    def stream_version(self, stream: str) -> int: ...

    def read_all(self, after: int = 0, limit: int | None = None) -> Iterator[RecordedEvent]: ...

    def read_stream(self, stream: str) -> list[RecordedEvent]: ...

    def get(self, event_id: UUID | str) -> RecordedEvent: ...

    def position_at(self, moment: datetime) -> int: ...

    def integrity(self) -> Integrity: ...

    def check_integrity(self, *, full: bool = False) -> Integrity: ...

    def verify(self, after: int = 0, *, catalogues: bool = False) -> int:
        """Walk the chain, tree and signed heads from `after`; the head position, or ChainBroken."""
        ...

    def sign_head(self) -> SignedHead | None: ...

    def tree_head(self) -> SignedHead | None: ...

    def inclusion_proof(self, position: int, size: int) -> list[bytes]: ...

    def consistency_proof(self, first: int, second: int) -> list[bytes]: ...

    def canonical(self, position: int) -> bytes: ...

    def close(self) -> None: ...
