"""Errors of the read side, in the project's hierarchy (`events.errors.TimelineError`).

TimelineError
├── InvalidCursor          (also ValueError)   a pagination cursor that was not issued here
├── ProjectionUnavailable                       a view that has not been built yet
└── RebuildSuperseded                           another process started the same rebuild
"""

from __future__ import annotations

from events.errors import TimelineError


class InvalidCursor(TimelineError, ValueError):
    def __init__(self, cursor: str) -> None:
        self.cursor = cursor
        super().__init__(f"Invalid cursor {cursor!r}: pass back a `next_cursor` unchanged")


class ProjectionUnavailable(TimelineError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"Projection {name!r} has not been built yet (run `timeline rebuild {name}`)")


class RebuildSuperseded(TimelineError):
    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(f"Rebuild of {', '.join(names)} was superseded by a newer rebuild")
