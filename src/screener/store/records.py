"""The records list: one reviewer's records at a stage, filtered, sorted and paged in SQL; reviewers' labels.

Only the reviewer's own votes are read (blinding; the full-text list is refused while title/abstract is
blind, its pool being made of outcomes), and a page is one query with
LIMIT/OFFSET, so a 100,000-record review lists as fast as a small one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    SQLColumnExpression,
    and_,
    exists,
    func,
    insert,
    or_,
    select,
)
from sqlmodel import col

from screener.core.models import Stage
from screener.store import tables as t
from screener.store.blinding import BlindingRule
from screener.store.engine import StoreError

SORTS = ("id", "year", "title")
VERDICTS = ("undecided", "include", "maybe", "exclude")


@dataclass(frozen=True)
class ListFilter:
    """What the list shows: all filters optional, combined with AND."""

    verdict: str | None = None  # undecided | include | maybe | exclude (the reviewer's own vote)
    reason: str | None = None  # with verdict exclude: this reason id
    has_note: bool = False
    label: str | None = None
    source_id: int | None = None
    ids: tuple[int, ...] | None = None  # e.g. the hits of a text search
    sort: str = "id"

    def describe(self) -> str:
        parts = []
        if self.verdict:
            parts.append(self.verdict + (f" ({self.reason})" if self.reason else ""))
        if self.has_note:
            parts.append("with a note")
        if self.label:
            parts.append(f"label '{self.label}'")
        if self.source_id is not None:
            parts.append(f"source {self.source_id}")
        if self.ids is not None:
            parts.append("matching the search")
        return ", ".join(parts) or "all records"


@dataclass(frozen=True)
class ListRow:
    id: int
    year: int | None
    title: str
    first_author: str
    source: str
    verdict: str
    reasons: tuple[str, ...]
    has_note: bool
    labels: tuple[str, ...]


def _sort_key(sort: str) -> tuple[SQLColumnExpression[Any], ...]:
    """The ORDER BY of a sort (one of :data:`SORTS`); the id breaks ties."""
    record_id = col(t.Record.id)
    return {
        "id": (record_id,),
        "year": (col(t.Record.year).desc(), record_id),
        "title": (func.lower(col(t.Record.title)), record_id),
    }[sort]


#: id, year, title, authors (JSON), source name, the reviewer's verdict and reasons (JSON), note.
#: The vote and note columns come through outer joins: NULL where the reviewer has not decided,
#: which the tables' column types cannot say (read them as optional).
ListQuery = Select[int, int | None, str | None, str, str, str, str, str | None]


class RecordListQueries(BlindingRule):
    """One reviewer's records list at a stage (filtered, sorted, paged) and their labels."""

    def _list_query(self, stage: Stage, reviewer: str, f: ListFilter) -> ListQuery:
        self.blinding(reviewer, upto=Stage(stage)).check_pool(stage)  # the full-text pool is made of outcomes
        vote = and_(
            col(t.Vote.record_id) == col(t.Record.id),
            col(t.Vote.stage) == Stage(stage).value,
            col(t.Vote.reviewer) == reviewer,
        )
        query = (
            select(
                col(t.Record.id),
                col(t.Record.year),
                col(t.Record.title),
                col(t.Record.authors),
                col(t.Source.name),
                col(t.Vote.verdict),
                col(t.Vote.reasons),
                col(t.Decision.note),
            )
            .join(t.Source, col(t.Source.id) == col(t.Record.source_id))
            .outerjoin(t.Vote, vote)
            .outerjoin(t.Decision, col(t.Decision.id) == col(t.Vote.decision_id))
            .where(col(t.Record.id).in_(self.pool_query(stage)))
        )
        if f.verdict == "undecided":
            query = query.where(col(t.Vote.verdict).is_(None))
        elif f.verdict:
            query = query.where(col(t.Vote.verdict) == f.verdict)
        if f.reason:  # the reason, or a retired one mapped to it
            query = query.where(
                or_(*(col(t.Vote.reasons).like(f'%"{r}"%') for r in self.protocol().ids_counted_as(f.reason)))
            )
        if f.has_note:
            query = query.where(col(t.Decision.note).is_not(None), col(t.Decision.note) != "")
        if f.label:
            query = query.where(
                exists().where(
                    col(t.RecordLabel.record_id) == col(t.Record.id),
                    col(t.RecordLabel.reviewer) == reviewer,
                    col(t.RecordLabel.label) == f.label,
                )
            )
        if f.source_id is not None:
            query = query.where(col(t.Record.source_id) == f.source_id)
        if f.ids is not None:
            query = query.where(col(t.Record.id).in_(list(f.ids)))
        return query

    def record_list(
        self, stage: Stage, reviewer: str, f: ListFilter, *, offset: int = 0, limit: int = 200
    ) -> tuple[list[ListRow], int]:
        """One page of the reviewer's records and the number of all that match."""
        if f.sort not in SORTS:
            raise StoreError(f"sort by one of {', '.join(SORTS)}")
        query = self._list_query(stage, reviewer, f)
        key = _sort_key(f.sort)
        with self._read() as conn:
            total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            rows = conn.execute(query.order_by(*key).offset(offset).limit(limit)).all()
            labels = self._labels(conn, reviewer, [r[0] for r in rows])
        out = []
        mapped = self.protocol().reason_ids
        for rid, year, title, authors, source, verdict, reasons, note in rows:
            names = json.loads(authors) if authors and authors != "[]" else []
            out.append(
                ListRow(
                    rid,
                    year,
                    title or "(no title)",
                    names[0][0] if names else "",
                    source,
                    verdict or "undecided",
                    mapped(json.loads(reasons)) if reasons else (),
                    bool(note),
                    tuple(labels.get(rid, ())),
                )
            )
        return out, total

    def record_list_ids(self, stage: Stage, reviewer: str, f: ListFilter) -> list[int]:
        """Every id the filter matches, in its sort order (to screen just these)."""
        key = _sort_key(f.sort)
        query = self._list_query(stage, reviewer, f).with_only_columns(col(t.Record.id)).order_by(*key)
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    @staticmethod
    def _labels(conn: Connection, reviewer: str, ids: list[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for rid, label in conn.execute(
            select(col(t.RecordLabel.record_id), col(t.RecordLabel.label))
            .where(col(t.RecordLabel.reviewer) == reviewer, col(t.RecordLabel.record_id).in_(ids))
            .order_by(col(t.RecordLabel.label))
        ):
            out.setdefault(rid, []).append(label)
        return out

    def add_label(self, record_id: int, reviewer: str, label: str) -> None:
        """Give a record one of the reviewer's own labels (a free word); again is a no-op."""
        word = label.strip().lower()
        if not word or len(word.split()) != 1:
            raise StoreError("a label is one word, e.g. 'pediatric'")

        def work(conn: Connection) -> None:
            known = conn.execute(
                select(func.count())
                .select_from(t.RecordLabel)
                .where(
                    col(t.RecordLabel.record_id) == record_id,
                    col(t.RecordLabel.reviewer) == reviewer,
                    col(t.RecordLabel.label) == word,
                )
            ).scalar_one()
            if not known:
                conn.execute(
                    insert(t.RecordLabel).values(
                        record_id=record_id, reviewer=reviewer, label=word, created_at=datetime.now(UTC)
                    )
                )

        self._write(work)

    def labels_of(self, reviewer: str) -> list[str]:
        with self._read() as conn:
            return list(
                conn.execute(
                    select(col(t.RecordLabel.label))
                    .where(col(t.RecordLabel.reviewer) == reviewer)
                    .distinct()
                    .order_by(col(t.RecordLabel.label))
                ).scalars()
            )
