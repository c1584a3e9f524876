"""The read side's public surface: pure functions from the database to response Structs.

Each takes the EventStore (or a sqlite3 connection) and a `Reference`, reads one snapshot,
and returns Structs the API serialises unchanged. Unknown regions and programmes raise
`events.errors.UnknownReference`; malformed days raise `events.errors.InvalidDate`.
"""

from __future__ import annotations

from projections.runner import catch_up, ensure_projections, projection_states, rebuild
from projections.status_query import programme_members, status_report
from projections.timeline_query import scope_changed_at, timeline_page

__all__ = [
    "catch_up",
    "ensure_projections",
    "programme_members",
    "projection_states",
    "rebuild",
    "scope_changed_at",
    "status_report",
    "timeline_page",
]
