"""`GET /health`: the log head, each projection's checkpoint and lag, the scheduler, integrity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import State

from api.context import api_of
from api.models import Health, SchedulerHealth


def scheduler_health(state: State) -> SchedulerHealth:
    """Whatever the process's scheduler (if one was started, as `app.state.scheduler`) reports."""
    scheduler = state.get("scheduler")
    if scheduler is None:
        return SchedulerHealth(status="not running")
    if isinstance(scheduler, str):
        return SchedulerHealth(status=scheduler)
    detail = scheduler.describe() if hasattr(scheduler, "describe") else None
    jobs: list[Any] = scheduler.status() if hasattr(scheduler, "status") else []
    return SchedulerHealth(
        status="running",
        detail=msgspec.to_builtins(detail) if detail is not None else None,
        jobs=[msgspec.to_builtins(job) for job in jobs],
    )


@get("/health", tags=["service"], summary="Service health", sync_to_thread=False)
def health(request: Request) -> Response[Health]:
    """The log head, each projection's version, checkpoint and lag, the scheduler's jobs, and
    `integrity`: "ok" unless a verification recorded a break in the hash chain (writes are then
    refused until an operator repairs the log)."""
    api = api_of(request)
    view = api.views.state()
    integrity = api.store().integrity()
    head = api.store().head()
    broken = not integrity.ok
    report = Health(
        status="degraded" if broken else "ok",
        head=view.head,
        head_recorded_at=head.recorded_at,
        projections=list(view.projections),
        scheduler=scheduler_health(request.app.state),
        integrity=(
            f"broken at position {integrity.broken_position}: {integrity.broken_reason}" if broken else "ok"
        ),
        verified_position=integrity.verified_position,
        verified_at=integrity.verified_at,
        checked_at=datetime.now(UTC),
    )
    return Response(report, headers={"Cache-Control": "no-store"})
