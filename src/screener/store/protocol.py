"""Changing the review's protocol, and its change log (who, when, what, the reason mappings).

The decision and resolution logs are append-only and keep the reason ids reviewers chose.
A reason removed with ``--map E4=E2`` is resolved when reasons are read: the store hands
out the protocol with ``aliases`` composed from every change's mapping, and the derived
outcome table (what PRISMA counts) is rebuilt with them in the same transaction.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select, update
from sqlmodel import col

from screener.core.models import Stage
from screener.core.protocol import Protocol
from screener.core.protocol_update import ProtocolUpdate, compose_aliases, plan_update
from screener.store import server_mode
from screener.store import tables as t
from screener.store.engine import StoreError
from screener.store.outcomes import Outcomes


@dataclass(frozen=True, slots=True)
class ProtocolChangeEntry:
    """One ``protocol update`` as the history shows it."""

    id: int
    by: str
    created_at: datetime
    summary: str
    mapping: dict[str, str]
    old_text: str = ""
    new_text: str = ""


class ProtocolQueries(Outcomes):
    """The review and its protocol: creating it, changing it (outcomes follow), the change log."""

    def init_review(self, protocol: Protocol) -> None:
        """Record the review and its reviewers (a new, empty database only)."""

        def work(conn: Connection) -> None:
            if conn.execute(select(func.count()).select_from(t.Review)).scalar_one():
                raise StoreError(f"{self.location} already holds a review")
            conn.execute(
                insert(t.Review).values(
                    title=protocol.title,
                    question=protocol.question,
                    protocol_text=protocol.text,
                    created_at=datetime.now(UTC),
                )
            )
            self._sync_reviewers(conn, protocol)

        self._write(work)

    def _sync_reviewers(self, conn: Connection, protocol: Protocol) -> None:
        known = set(conn.execute(select(col(t.Reviewer.initials))).scalars())
        for r in protocol.reviewers:
            if r.initials not in known:
                conn.execute(insert(t.Reviewer).values(initials=r.initials, name=r.name, role=r.role))
            else:
                conn.execute(
                    update(t.Reviewer)
                    .where(col(t.Reviewer.initials) == r.initials)
                    .values(name=r.name, role=r.role)
                )
        server_mode.sync_rules(conn, protocol)

    def _reason_use(self, conn: Connection, protocol: Protocol) -> tuple[Counter[str], dict[str, int]]:
        """Reason id (as it counts now) -> decisions and resolutions naming it; stage -> decisions."""
        used: Counter[str] = Counter()
        for table in (t.Decision, t.Resolution):
            rows = conn.execute(
                select(col(table.reasons), func.count())
                .where(col(table.reasons) != "[]")
                .group_by(col(table.reasons))
            )
            for reasons, n in rows:
                for r in protocol.reason_ids(json.loads(reasons)):
                    used[r] += n
        stages: dict[str, int] = dict(
            conn.execute(select(col(t.Decision.stage), func.count()).group_by(col(t.Decision.stage))).all()
        )
        return used, stages

    def protocol_leads(self) -> list[str]:
        return [r.initials for r in self.protocol().reviewers if r.role == "lead"]

    def change_protocol(self, new: Protocol, by: str, mapping: dict[str, str], path: str) -> ProtocolUpdate:
        """Replace the protocol with ``new`` (checked against the review and its decisions), logged.

        ``by`` must be the review's lead (any reviewer when the protocol names no lead).
        Raises :class:`~screener.core.protocol.ProtocolError` (nothing changed) when the
        change is refused, :class:`StoreError` when ``by`` may not change it.
        """
        by = self.check_reviewer(by, "--by", lead=bool(self.protocol_leads()))

        def work(conn: Connection) -> ProtocolUpdate:
            old = self._stored_protocol(conn, lock=True)
            if new.text == old.text:
                raise StoreError(f"{path}: the same as the review's protocol: nothing to change")
            used, stages = self._reason_use(conn, old)
            plan = plan_update(old, new, mapping, used, stages, path)
            now = datetime.now(UTC)
            conn.execute(
                update(t.Review).values(title=new.title, question=new.question, protocol_text=new.text)
            )
            conn.execute(
                insert(t.ProtocolChange).values(
                    by=by,
                    summary=plan.summary,
                    old_text=old.text,
                    new_text=new.text,
                    mapping=json.dumps(plan.mapping),
                    created_at=now,
                )
            )
            current = replace(new, aliases=compose_aliases(old.aliases, plan.mapping))
            server_mode.sync_rules(conn, current)  # PostgreSQL: the server computes outcomes with them
            for stage in Stage:  # counted reasons and conflicts follow the new order, rules and mapping
                self._refresh_outcomes(conn, current, stage, None)
            return plan

        return self._write(work)

    def protocol_history(self) -> list[ProtocolChangeEntry]:
        """Every protocol change, oldest first."""
        query = select(
            col(t.ProtocolChange.id),
            col(t.ProtocolChange.by),
            col(t.ProtocolChange.created_at),
            col(t.ProtocolChange.summary),
            col(t.ProtocolChange.mapping),
            col(t.ProtocolChange.old_text),
            col(t.ProtocolChange.new_text),
        ).order_by(col(t.ProtocolChange.id))
        with self._read() as conn:
            return [
                ProtocolChangeEntry(i, by, at, summary, json.loads(mapping), old, new)
                for i, by, at, summary, mapping, old, new in conn.execute(query)
            ]
