"""The programme-status projection: each (region, programme)'s status over valid time.

Designations and plans (`PilotDesignated.status`), ratings ("rated"), incentives tied to a
programme ("awarded") and endings ("ended") are facts of a (region, programme) pair that
coexist (`projections.status_rules`); only a milestone's subjects (`regions`) get them; corrections and
retractions change or remove them. Each fact is shown by one row of `status_intervals` (see
`projections.intervals`). When an event changes a pair, rows that no longer hold get
`known_to` = its position and their replacements `known_from` = its position, so "on day D,
as known at position K" is an index lookup. `status_amended` keeps the current version of
each amended status milestone; `status_pairs` lists the statuses each pair ever had.
"""

from __future__ import annotations

import sqlite3
from typing import ClassVar

from events.types import MilestoneCorrected, MilestoneRetracted
from projections import doubts
from projections.base import ApplyContext
from projections.log import CORRECTED, RETRACTED, LogEvent
from projections.regions import RegionTree
from projections.status_batch import StatusBatch
from projections.status_facts import STATUS_TAGS


class StatusProjection:
    name: ClassVar[str] = "programme_status"
    version: ClassVar[int] = 4
    tables: ClassVar[dict[str, str]] = {
        "status_intervals": """(
            seg_id INTEGER PRIMARY KEY,
            region TEXT NOT NULL,
            programme TEXT NOT NULL,
            position INTEGER NOT NULL,
            status TEXT NOT NULL,
            valid_from TEXT NOT NULL,
            valid_to TEXT NOT NULL,
            certain_from TEXT NOT NULL,
            since TEXT NOT NULL,
            evidence INTEGER NOT NULL,
            known_from INTEGER NOT NULL,
            known_to INTEGER
        )""",
        # The events a fact rests on, per version of its milestone (keyed by that version).
        "status_evidence": "(version INTEGER PRIMARY KEY, evidence TEXT NOT NULL)",
        "status_amended": """(
            position INTEGER PRIMARY KEY,
            version INTEGER NOT NULL,
            retracted INTEGER NOT NULL,
            payload TEXT NOT NULL,
            corrections TEXT NOT NULL
        )""",
        "status_doubts": doubts.TABLE,
        "status_pairs": """(
            programme TEXT, region TEXT, status TEXT, PRIMARY KEY (programme, region, status)
        ) WITHOUT ROWID""",
    }
    indexes: ClassVar[dict[str, tuple[str, str]]] = {
        "by_region": ("status_intervals", "(region, valid_from)"),
        "by_programme": ("status_intervals", "(programme, valid_from)"),
        # The non-empty intervals as known now, with their ends: a programme's members on a day
        # are one range of it (those started by the day that end after it), read without
        # touching the table until a row matches.
        "members": (
            "status_intervals",
            "(programme, valid_from, valid_to, region, status) "
            "WHERE known_to IS NULL AND valid_to > valid_from",
        ),
    }

    def fingerprint(self, tree: RegionTree) -> str:
        # Inheritance down the tree is resolved at query time; which status ends which is not.
        return tree.rules.fingerprint

    def initialise(self, conn: sqlite3.Connection, names: dict[str, str], tree: RegionTree) -> None:
        pass

    def apply(
        self, conn: sqlite3.Connection, names: dict[str, str], events: list[LogEvent], ctx: ApplyContext
    ) -> None:
        if ctx.fresh:  # one batch object for the whole rebuild (see `status_batch`)
            batch = ctx.memo.get(self.name) or ctx.memo.setdefault(self.name, StatusBatch(conn, names, ctx))
            batch.ctx = ctx
        else:
            batch = StatusBatch(conn, names, ctx)
        for logged in events:
            if logged.type in STATUS_TAGS:
                batch.add(logged)
            elif logged.type in (CORRECTED, RETRACTED):
                event = logged.event
                assert isinstance(event, MilestoneCorrected | MilestoneRetracted)
                batch.amend(logged, event)
            elif logged.type == doubts.SOURCE_DATED:
                batch.doubt(logged)
        batch.flush(final=not ctx.fresh)

    def finish(self, conn: sqlite3.Connection, names: dict[str, str], ctx: ApplyContext) -> None:
        batch = ctx.memo.get(self.name)
        if batch is not None:
            batch.flush(final=True)
