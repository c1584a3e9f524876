"""Projections: disposable read models built from the event log.

`catch_up` applies new events, `rebuild` replays the log into fresh tables and swaps them
in, `ensure_projections` rebuilds whatever a version bump made stale; the queries
(`timeline_page`, `status_report`, `programme_members`) answer from the built tables.
"""

from projections.models import (
    Basis,
    Correction,
    DateValue,
    Evidence,
    HeldStatus,
    MemberRow,
    MembersReport,
    ProgrammeStatus,
    ProjectionState,
    Retraction,
    Source,
    StatusReport,
    TimelineEntry,
    TimelinePage,
    Window,
)
from projections.queries import (
    catch_up,
    ensure_projections,
    programme_members,
    projection_states,
    rebuild,
    status_report,
    timeline_page,
)

__all__ = [
    "Basis",
    "Correction",
    "DateValue",
    "Evidence",
    "HeldStatus",
    "MemberRow",
    "MembersReport",
    "ProgrammeStatus",
    "ProjectionState",
    "Retraction",
    "Source",
    "StatusReport",
    "TimelineEntry",
    "TimelinePage",
    "Window",
    "catch_up",
    "ensure_projections",
    "programme_members",
    "projection_states",
    "rebuild",
    "status_report",
    "timeline_page",
]
