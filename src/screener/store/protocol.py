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
from typing import Any

from sqlalchemy import Connection, func, insert, select

from screener.core.models import Stage
from screener.core.protocol import Protocol, parse_protocol
from screener.core.protocol_update import ProtocolUpdate, compose_aliases, plan_update
from screener.store import server_mode
from screener.store import tables as t
from screener.store.engine import StoreError


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


def aliases_from(mappings: list[str]) -> dict[str, str]:
    """Every change's mapping (JSON, oldest first) composed into retired id -> reason now."""
    aliases: dict[str, str] = {}
    for text in mappings:
        aliases = compose_aliases(aliases, json.loads(text))
    return aliases


class ProtocolQueries:
    """Mixed into :class:`screener.store.store.Store`."""

    location: str
    _protocol: tuple[tuple[str, int], Protocol] | None

    def _read(self) -> Any: ...  # pragma: no cover
    def _write(self, work: Any) -> Any: ...  # pragma: no cover
    def check_reviewer(
        self, initials: str | None, what: str = "reviewer", *, lead: bool = False
    ) -> str: ...  # pragma: no cover  # noqa: E501
    def _refresh_outcomes(
        self, conn: Connection, protocol: Protocol, stage: Stage, record_ids: Any
    ) -> None: ...  # pragma: no cover  # noqa: E501

    def _stored_protocol(self, conn: Connection, *, lock: bool = False) -> Protocol:
        """The protocol text with the aliases of the change log (cached until either changes)."""
        last_change = select(func.coalesce(func.max(t.ProtocolChange.id), 0)).scalar_subquery()
        query = select(t.Review.protocol_text, last_change)
        row = conn.execute(query.with_for_update(of=t.Review) if lock else query).first()
        if row is None:
            raise StoreError(f"{self.location} holds no review: run 'screener init'")
        text, last = row
        if self._protocol is None or self._protocol[0] != (text, last):
            protocol = parse_protocol(text, f"{self.location} (stored protocol)")
            if last:
                mappings = conn.execute(
                    select(t.ProtocolChange.mapping).order_by(t.ProtocolChange.id)
                ).scalars()
                protocol = replace(protocol, aliases=aliases_from(list(mappings)))
            self._protocol = ((text, last), protocol)
        return self._protocol[1]

    def protocol(self) -> Protocol:
        """The review's protocol now (retired reason ids resolve through ``aliases``)."""
        with self._read() as conn:
            return self._stored_protocol(conn)

    def _reason_use(self, conn: Connection, protocol: Protocol) -> tuple[Counter[str], dict[str, int]]:
        """Reason id (as it counts now) -> decisions and resolutions naming it; stage -> decisions."""
        used: Counter[str] = Counter()
        for table in (t.Decision, t.Resolution):
            rows = conn.execute(
                select(table.reasons, func.count()).where(table.reasons != "[]").group_by(table.reasons)
            )
            for reasons, n in rows:
                for r in protocol.reason_ids(json.loads(reasons)):
                    used[r] += n
        stages = dict(conn.execute(select(t.Decision.stage, func.count()).group_by(t.Decision.stage)).all())
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
                t.Review.__table__.update().values(
                    title=new.title, question=new.question, protocol_text=new.text
                )
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
            t.ProtocolChange.id,
            t.ProtocolChange.by,
            t.ProtocolChange.created_at,
            t.ProtocolChange.summary,
            t.ProtocolChange.mapping,
            t.ProtocolChange.old_text,
            t.ProtocolChange.new_text,
        ).order_by(t.ProtocolChange.id)
        with self._read() as conn:
            return [
                ProtocolChangeEntry(i, by, at, summary, json.loads(mapping), old, new)
                for i, by, at, summary, mapping, old, new in conn.execute(query)
            ]
