"""The timeline projection: every milestone listed under its regions, corrections applied.

Rows are bitemporal. Each version of an entry (the milestone, then one per correction or
retraction) has a `vid`: the position of the event that made it, its `known_from`. A
version is listed in `timeline_scope` under each of its regions and under every region with
children at or above them, keyed by an integer sort key, so a region's page, with or without
its descendants, now or as known at any position, is one index range. `scope` packs the
region code and which list it is in one integer (`scope_key`): the region's own entries or
those of its whole subtree. For versions with one region (most) the subtree rows are fanned
out from the own rows inside SQLite, through `timeline_lineage`, once per batch.

Each row carries the region's `role` in the milestone (`ROLES`: subject, participant or
issuer), so a page shows subjects only by default and more roles on request.

An unamended milestone is its log event: nothing of it is copied but its scope rows. Only
amended versions are stored (`timeline_versions`, with their corrected payload and the list
of amendments), and a version superseded gets a row there with its `known_to`;
`timeline_heads` points an amended milestone at its current version. A version is identified
by its `vid` and its milestone's `position`: one `source_dated` event (`projections.doubts`)
makes a new version of every milestone resting on the doubted document, all with its `vid`.
"""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

import msgspec

from events.dialect import replace_sql
from events.submissions import apply_changes
from events.types import Milestone, MilestoneCorrected, MilestoneRetracted, decode_event
from projections import doubts
from projections.base import ApplyContext, placement
from projections.dialect import insert_fanned_out
from projections.log import CORRECTED, MILESTONE_TAGS, RETRACTED, LogEvent, read_by_ids
from projections.regions import RegionTree

_to_builtins = msgspec.to_builtins
# A region's role in a milestone, as stored in `timeline_scope.role`.
ROLES = {"subject": 0, "participant": 1, "issuer": 2}
_encode = msgspec.json.Encoder().encode


def scope_key(code: str, *, subtree: bool) -> int:
    """The `scope` of a region's own list (even) or its subtree's list (odd).

    Region codes are six digits (`events.types.RegionCode`), so this is one-to-one; an
    integer key keeps the index small and quick to build.
    """
    return int(code) * 2 + subtree


class Version(msgspec.Struct):
    """The current version of an amended entry while a batch works on it; `stored` when it has
    a row in `timeline_versions` (a milestone as logged has none)."""

    vid: int
    position: int
    retracted: bool
    event: Milestone
    amendments: dict[str, Any]
    stored: bool = True


def _doubt_record(doubt: doubts.Doubt) -> dict[str, Any]:
    """A doubt as the amendment it makes to a milestone (listed with its corrections)."""
    return {
        "event_id": doubt.event_id,
        "position": doubt.position,
        "recorded_at": doubt.recorded_at,
        "reason": _to_builtins(doubt.event.reason),
        "fields": ["occurred"],
    }


class TimelineProjection:
    name: ClassVar[str] = "timeline"
    version: ClassVar[int] = 3
    tables: ClassVar[dict[str, str]] = {
        "timeline_scope": """(
            scope INTEGER NOT NULL,
            sort_key INTEGER NOT NULL,
            vid INTEGER NOT NULL,
            type TEXT NOT NULL,
            retracted INTEGER NOT NULL,
            earliest INTEGER,
            latest INTEGER,
            role INTEGER NOT NULL
        )""",
        "timeline_versions": """(
            vid INTEGER NOT NULL,
            position INTEGER NOT NULL,
            known_to INTEGER,
            retracted INTEGER NOT NULL,
            payload TEXT,
            amendments TEXT,
            PRIMARY KEY (vid, position)
        )""",
        "timeline_heads": "(position INTEGER PRIMARY KEY, vid INTEGER NOT NULL)",
        "timeline_doubts": doubts.TABLE,
        # Each region and the regions with children at or above it (itself included).
        "timeline_lineage": "(region INTEGER, scope INTEGER, PRIMARY KEY (region, scope)) WITHOUT ROWID",
    }
    indexes: ClassVar[dict[str, tuple[str, str]]] = {
        "by_scope": ("timeline_scope", "(scope, sort_key)"),
    }

    def fingerprint(self, tree: RegionTree) -> str:
        return tree.fingerprint  # versions are listed under the ancestors of their regions

    def initialise(self, conn: sqlite3.Connection, names: dict[str, str], tree: RegionTree) -> None:
        rows = [
            (scope_key(code, subtree=False), scope_key(scope, subtree=True))
            for code in tree.regions
            for scope in (code, *tree.ancestors(code))
            if tree.has_children(scope)
        ]
        lineage = names["timeline_lineage"]
        conn.executemany(f"INSERT INTO {lineage} VALUES (?, ?) ON CONFLICT DO NOTHING", rows)

    def finish(self, conn: sqlite3.Connection, names: dict[str, str], ctx: ApplyContext) -> None:
        pass

    def apply(
        self, conn: sqlite3.Connection, names: dict[str, str], events: list[LogEvent], ctx: ApplyContext
    ) -> None:
        batch = _Batch(conn, names, ctx)
        own = batch.scope.append
        for logged in events:
            if (
                logged.type in MILESTONE_TAGS
                and batch.doubts.may_touch(logged.brief.sources)
                and batch.doubted(logged)
            ):
                continue  # listed with the window of its document's doubted dates
            if logged.type in MILESTONE_TAGS:
                position, brief = logged.position, logged.brief
                # The common case, inline: a replay's hot path.
                if len(brief.regions) == 1 and not brief.participants and not brief.issuers:
                    place = placement(brief.occurred)  # type: ignore[arg-type]
                    key = place.key | position
                    row = (
                        int(brief.regions[0]) << 1,
                        key,
                        position,
                        logged.type,
                        0,
                        place.earliest,
                        place.latest,
                        0,
                    )
                    own(row)
                else:
                    roles = (brief.regions, brief.participants, brief.issuers)
                    batch.list(position, position, logged.type, brief.occurred, roles, False)
            elif logged.type == CORRECTED:
                batch.correct(logged, logged.event)  # type: ignore[arg-type]
            elif logged.type == RETRACTED:
                batch.retract(logged, logged.event)  # type: ignore[arg-type]
            elif logged.type == doubts.SOURCE_DATED:
                batch.doubt(logged)
        batch.flush()


class _Batch:
    """The writes of one batch, kept in memory so later events of the batch can amend them."""

    def __init__(self, conn: sqlite3.Connection, names: dict[str, str], ctx: ApplyContext) -> None:
        self.conn = conn
        self.names = names
        self.ctx = ctx
        self.scope: list[tuple[Any, ...]] = []  # rows of single-region versions
        self.spread: list[tuple[Any, ...]] = []  # rows of the others, fanned out already
        self.versions: dict[tuple[int, int], list[Any]] = {}  # by (vid, position)
        self.closed: list[tuple[int, int, int]] = []  # (known_to, vid, position)
        self.heads: dict[int, int] = {}
        self.current: dict[int, Version] = {}
        self.doubts = doubts.load(conn, names["timeline_doubts"])

    def list(
        self,
        vid: int,
        position: int,
        type_: str,
        occurred: str | None,
        roles: tuple[tuple[str, ...], ...],
        retracted: bool,
    ) -> None:
        """Add the scope rows of a version to the batch; `roles` holds the codes of each role
        (subjects, participants, issuers), in the order of `ROLES`."""
        assert occurred is not None  # every milestone has a date
        place = placement(occurred)
        key = place.key | position
        rest = (vid, type_, int(retracted), place.earliest, place.latest)
        if len(roles[0]) == 1 and not any(roles[1:]):  # fanned out to the regions above in SQL, at flush
            self.scope.append((scope_key(roles[0][0], subtree=False), key, *rest, 0))  # as in `apply`
            return
        # Several regions may share the regions above: list the version once under each, per role.
        tree = self.ctx.tree
        for role, regions in enumerate(roles):
            codes = dict.fromkeys(regions)
            above = dict.fromkeys(s for c in codes for s in (c, *tree.ancestors(c)) if tree.has_children(s))
            self.spread += [(scope_key(code, subtree=False), key, *rest, role) for code in codes]
            self.spread += [(scope_key(scope, subtree=True), key, *rest, role) for scope in above]

    def correct(self, logged: LogEvent, event: MilestoneCorrected) -> None:
        version = self._target(str(event.corrects), logged.position)
        if version is None:
            return
        corrected, _ = apply_changes(version.event, event.changes, "$.changes")
        if corrected is None:  # the log holds an invalid correction: it changes nothing
            return
        printed = self.ctx.targets[str(event.corrects)].event
        assert isinstance(printed, Milestone)
        corrected, _ = doubts.apply(corrected, printed, self.doubts, logged.position)
        amendments = dict(version.amendments)
        amendments["corrections"] = [
            *amendments["corrections"],
            {
                "event_id": logged.event_id,
                "position": logged.position,
                "recorded_at": logged.recorded_at,
                "reason": _to_builtins(event.reason),
                "fields": sorted(event.changes),
            },
        ]
        self._supersede(logged.position, version, corrected, version.retracted, amendments)

    def retract(self, logged: LogEvent, event: MilestoneRetracted) -> None:
        version = self._target(str(event.retracts), logged.position)
        if version is None or version.retracted:
            return
        amendments = dict(version.amendments)
        amendments["retraction"] = {
            "event_id": logged.event_id,
            "position": logged.position,
            "recorded_at": logged.recorded_at,
            "reason": _to_builtins(event.reason),
        }
        self._supersede(logged.position, version, version.event, True, amendments)

    def doubted(self, logged: LogEvent) -> bool:
        """List a milestone logged after a doubt about its only document with the widened
        date, as its first version; False when no doubt touches it."""
        event = logged.event
        assert isinstance(event, Milestone)
        widened, found = doubts.apply(event, event, self.doubts, logged.position)
        if not found:
            return False
        position = logged.position
        amendments = {"corrections": [_doubt_record(doubt) for doubt in found], "retraction": None}
        payload, listed = _encode(widened).decode(), _encode(amendments).decode()
        self.versions[(position, position)] = [position, position, None, 0, payload, listed]
        self.heads[position] = position
        self.current[position] = Version(position, position, False, widened, amendments)
        roles = (widened.regions, widened.participants, widened.issuers)
        self.list(position, position, logged.type, widened.occurred, roles, False)
        return True

    def doubt(self, logged: LogEvent) -> None:
        """A document's printed dates were doubted: a new version of each milestone resting
        on them, made by this event."""
        found = doubts.record(self.conn, self.names["timeline_doubts"], self.doubts, logged)
        targets = read_by_ids(self.conn, doubts.cited(self.conn, found.event.document, logged.position))
        self.ctx.targets.update(targets)
        for event_id, target in targets.items():
            version = self._target(event_id, logged.position)
            printed = target.event
            if version is None or not isinstance(printed, Milestone):
                continue
            widened, changed = doubts.apply(version.event, printed, self.doubts, logged.position + 1)
            if not changed:
                continue
            amendments = dict(version.amendments)
            amendments["corrections"] = [*amendments["corrections"], _doubt_record(found)]
            self._supersede(logged.position, version, widened, version.retracted, amendments)

    def _supersede(
        self, vid: int, old: Version, event: Milestone, retracted: bool, amendments: dict[str, Any]
    ) -> None:
        pending = self.versions.get((old.vid, old.position))
        if pending is not None:
            pending[2] = vid  # superseded within the batch that wrote it
        elif not old.stored:  # the milestone as logged: its first row says when it ended
            self.versions[(old.vid, old.position)] = [old.vid, old.position, vid, 0, None, None]
        else:
            self.closed.append((vid, old.vid, old.position))
        payload = _encode(event).decode()
        row = [vid, old.position, None, int(retracted), payload, _encode(amendments).decode()]
        self.versions[(vid, old.position)] = row
        self.heads[old.position] = vid
        self.current[old.position] = Version(vid, old.position, retracted, event, amendments)
        roles = (event.regions, event.participants, event.issuers)
        self.list(vid, old.position, event.__struct_config__.tag, event.occurred, roles, retracted)

    def _target(self, event_id: str, before: int) -> Version | None:
        """The current version of the milestone `event_id` logged before `before`, if any."""
        logged = self.ctx.targets.get(event_id)
        if logged is None or logged.position >= before or logged.type not in MILESTONE_TAGS:
            return None
        position = logged.position
        version = self.current.get(position)
        if version is not None:
            return version
        row = self.conn.execute(
            f"SELECT h.vid, v.retracted, v.payload, v.amendments FROM {self.names['timeline_heads']} h "
            f"JOIN {self.names['timeline_versions']} v ON v.vid = h.vid AND v.position = h.position "
            "WHERE h.position = ?",
            [position],
        ).fetchone()
        if row is None:
            fresh = {"corrections": [], "retraction": None}
            event = logged.event
            assert isinstance(event, Milestone)
            version = Version(position, position, False, event, fresh, stored=False)
        else:
            event = decode_event(row[2])
            assert isinstance(event, Milestone)
            version = Version(row[0], position, bool(row[1]), event, msgspec.json.decode(row[3]))
        self.current[position] = version
        return version

    def flush(self) -> None:
        names, conn = self.names, self.conn
        scope, versions = names["timeline_scope"], names["timeline_versions"]
        if self.scope:
            # The batch's rows and their copies for the regions above.
            insert_fanned_out(conn, scope, names["timeline_lineage"], self.scope)
        if self.spread:
            conn.executemany(f"INSERT INTO {scope} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self.spread)
        if self.versions:
            conn.executemany(
                f"INSERT INTO {versions} VALUES (?, ?, ?, ?, ?, ?)", list(self.versions.values())
            )
        if self.closed:
            conn.executemany(
                f"UPDATE {versions} SET known_to = ? WHERE vid = ? AND position = ?", self.closed
            )
        if self.heads:
            conn.executemany(
                replace_sql(names["timeline_heads"], ("position", "vid")), list(self.heads.items())
            )
