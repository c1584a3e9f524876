"""Errors of the HTTP layer itself (the core's are in `events.errors`); `api.problems` maps
each to its problem document."""

from __future__ import annotations


class BadParameter(Exception):
    """A query or path parameter that parsed but means nothing (a date that does not exist...)."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(f"{name}: {message}")


class BadBody(Exception):
    """A request body that is not JSON, or not the right media type."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        super().__init__(detail)


class BeyondHead(Exception):
    """`min_position` names a position no write has reached: the log is not there (yet)."""

    def __init__(self, wanted: int, head: int) -> None:
        self.wanted = wanted
        self.head = head
        super().__init__(f"position {wanted} is beyond the log's head ({head})")


class NotCaughtUp(Exception):
    """The read side did not reach a requested `min_position` within the wait allowed."""

    def __init__(self, wanted: int, reached: int, retry_after: int) -> None:
        self.wanted = wanted
        self.reached = reached
        self.retry_after = retry_after
        super().__init__(f"the views reflect position {reached}, not yet {wanted}")
