"""PRISMA 2020 boxes as SQL: each box is one query for its record ids, and its count is one COUNT.

The boxes are defined once, here, so the number in the diagram and the list behind it
(``screener prisma --box NAME``) come from the same query and cannot disagree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select
from sqlmodel import col

from screener.core.models import Stage, Verdict
from screener.store import tables as t
from screener.store.blinding import Blinded
from screener.store.ranking import RankingQueries

TA, FT = Stage.TITLE_ABSTRACT.value, Stage.FULL_TEXT.value


class FlowQueries(RankingQueries):
    """PRISMA boxes as queries (on ranking: records excluded by automation once screening stopped early)."""

    def _unscreened_ta(self) -> Select[int]:
        """Title/abstract records nobody decided and with no outcome.

        They count as excluded by automation once screening stopped early.
        """
        voted = select(col(t.Vote.record_id)).where(col(t.Vote.stage) == TA)
        return self._ids(
            self.pool_query(Stage.TITLE_ABSTRACT),
            col(t.Record.id).not_in(self._outcome(TA, None)),
            col(t.Record.id).not_in(voted),
        )

    def _outcome(self, stage: str, verdict: Verdict | None) -> Select[int]:
        query = select(col(t.Outcome.record_id)).where(col(t.Outcome.stage) == stage)
        if verdict is None:
            return query.where(col(t.Outcome.verdict).is_not(None))
        return query.where(col(t.Outcome.verdict) == verdict.value)

    def _ids(self, query: Select[int], *conditions: ColumnElement[bool]) -> Select[int]:
        """Record ids of ``query`` (a select of ids) further restricted by ``conditions`` on t.Record.id."""
        return select(col(t.Record.id)).where(col(t.Record.id).in_(query), *conditions)

    def box_query(self, name: str) -> Select[int] | None:
        """The SQL for the record ids behind one PRISMA box, or None for an unknown name.

        Built once per box and name (a statement does not depend on the data), so that
        screens and checks that list boxes often do not rebuild the nested selects.
        """
        cache: dict[str, Select[int] | None] = self.__dict__.setdefault("_box_queries", {})
        if name not in cache:
            cache[name] = self._build_box_query(name)
        return cache[name]

    def _build_box_query(self, name: str) -> Select[int] | None:
        record_id = col(t.Record.id)
        if name.startswith("identified:"):
            source = name.split(":", 1)[1]
            return (
                select(col(t.Record.id))
                .join(t.Source, col(t.Source.id) == col(t.Record.source_id))
                .where(col(t.Source.name) == source, t.in_review())
            )
        screened = self.pool_query(Stage.TITLE_ABSTRACT)
        ft_pool = self.pool_query(Stage.FULL_TEXT)
        for prefix, other in (("reports_", False), ("other_reports_", True)):
            if not name.startswith(prefix):
                continue
            sought = self._ids(ft_pool, record_id.in_(self._arm_query(other=other)))
            assessed = self._ids(sought, record_id.not_in(self._not_retrieved()))
            rest = name[len(prefix) :]
            if rest == "sought":
                return sought
            if rest == "not_retrieved":
                return self._ids(sought, record_id.in_(self._not_retrieved()))
            if rest == "assessed":
                return assessed
            if rest == "excluded":
                return self._ids(assessed, record_id.in_(self._outcome(FT, Verdict.EXCLUDE)))
            if rest.startswith("excluded:"):
                reason = rest.split(":", 1)[1]
                with_reason = self._outcome(FT, Verdict.EXCLUDE).where(
                    col(t.Outcome.reason).is_(None) if reason == "none" else col(t.Outcome.reason) == reason
                )
                return self._ids(assessed, record_id.in_(with_reason))
        all_assessed = self._ids(ft_pool, record_id.not_in(self._not_retrieved()))
        automation = (
            self._unscreened_ta() if self.stopped_early() else select(col(t.Record.id)).where(false())
        )
        boxes = {
            "duplicates": self._ids(self._removed_query(), record_id.in_(self._arm_query(other=False))),
            "records_screened": self._ids(screened),
            "records_excluded": self._ids(screened, record_id.in_(self._outcome(TA, Verdict.EXCLUDE))),
            "records_excluded_automation": automation,
            "records_undecided": self._ids(
                screened, record_id.not_in(self._outcome(TA, None)), record_id.not_in(automation)
            ),
            "included": self._ids(all_assessed, record_id.in_(self._outcome(FT, Verdict.INCLUDE))),
            "reports_undecided": self._ids(all_assessed, record_id.not_in(self._outcome(FT, None))),
        }
        return boxes.get(name)

    def box_names(self, viewer: str | None = None) -> list[str]:
        """Every box name, including one per source and one per counted exclusion reason.

        While full text is blind its reasons are not read: which reasons occur is an outcome.
        """
        ft_blind = self.blinding(viewer).of(Stage.FULL_TEXT) is not None
        with self._read() as conn:
            sources = list(
                conn.execute(
                    select(col(t.Source.name)).where(t.in_review()).distinct().order_by(col(t.Source.name))
                ).scalars()
            )
            reasons = (
                []
                if ft_blind
                else list(
                    conn.execute(
                        select(col(t.Outcome.reason)).where(col(t.Outcome.stage) == FT).distinct()
                    ).scalars()
                )
            )
        names = [f"identified:{s}" for s in sources] + [
            "duplicates",
            "records_screened",
            "records_excluded",
            "records_excluded_automation",
            "records_undecided",
        ]
        for prefix in ("reports_", "other_reports_"):
            names += [f"{prefix}{b}" for b in ("sought", "not_retrieved", "assessed", "excluded")]
            names += [f"{prefix}excluded:{r or 'none'}" for r in sorted(reasons, key=lambda r: r or "")]
        return names + ["included", "reports_undecided"]

    def box_ids(self, name: str, viewer: str | None = None) -> list[int] | None:
        """The record ids behind a box (None: no such box); :class:`Blinded` while its stage is blind."""
        query = self.box_query(name)
        if query is None:
            return None
        if (blind := self.blinding(viewer).box(name)) is not None:
            raise Blinded(blind)
        with self._read() as conn:
            return list(conn.execute(query.order_by(col(t.Record.id))).scalars())

    def flow_numbers(self, viewer: str | None = None) -> dict[str, Any]:
        """Every PRISMA count as ``viewer`` may see it: a :class:`~screener.store.blinding.Blind` marker
        (with the reason) stands for each number that depends on a blind stage's votes."""
        blinding = self.blinding(viewer)
        numbers = self._flow_numbers()
        return {k: blinding.box(k) or v for k, v in numbers.items()}

    def _flow_numbers(self) -> dict[str, Any]:
        """Every PRISMA count, fast: one scan of a covering index plus small corrections.

        The big sets (records decided at each stage) are counted by grouping the outcome
        table on its covering index; the records that must not count there (removed as
        duplicates, found by other methods, not retrieved) are few and are taken out one
        by one. ``tests/store/test_flow.py`` checks that the result equals the counts of
        the box queries above, which define the boxes.
        """
        with self._read() as conn:
            sources: list[tuple[str, str, int]] = [
                (name, kind, n)
                for name, kind, n in conn.execute(
                    select(col(t.Source.name), col(t.Source.kind), func.count(col(t.Record.id)))
                    .join(t.Record, col(t.Record.source_id) == col(t.Source.id), isouter=True)
                    .where(t.in_review())
                    .group_by(col(t.Source.id), col(t.Source.name), col(t.Source.kind))
                    .order_by(col(t.Source.id))
                )
            ]
            removed = set(conn.execute(self._removed_query()).scalars())
            archived = set(
                conn.execute(  # records of withdrawn sources: out of every count, decisions kept
                    select(col(t.Record.id))
                    .join(t.Source, col(t.Source.id) == col(t.Record.source_id))
                    .where(col(t.Source.archived_at).is_not(None))
                ).scalars()
            )
            other = set(conn.execute(self._arm_query(other=True)).scalars())
            not_retrieved = set(conn.execute(self._not_retrieved()).scalars())
            grouped: dict[tuple[str, str | None, str | None], int] = {
                (stage, verdict, reason): n
                for stage, verdict, reason, n in conn.execute(
                    select(
                        col(t.Outcome.stage), col(t.Outcome.verdict), col(t.Outcome.reason), func.count()
                    ).group_by(col(t.Outcome.stage), col(t.Outcome.verdict), col(t.Outcome.reason))
                )
            }
            special: dict[int, dict[str, tuple[str | None, str | None]]] = {}
            ids = sorted(removed | other | not_retrieved | archived)
            for i in range(0, len(ids), 20_000):
                for rid, stage, verdict, reason in conn.execute(
                    select(
                        col(t.Outcome.record_id),
                        col(t.Outcome.stage),
                        col(t.Outcome.verdict),
                        col(t.Outcome.reason),
                    ).where(col(t.Outcome.record_id).in_(ids[i : i + 20_000]))
                ):
                    special.setdefault(rid, {})[stage] = (verdict, reason)
            study = func.coalesce(col(t.StudyReport.study_id), -col(t.Outcome.record_id))
            included_studies = list(
                conn.execute(
                    select(col(t.Outcome.record_id), study)
                    .select_from(t.Outcome)
                    .join(
                        t.StudyReport, col(t.StudyReport.record_id) == col(t.Outcome.record_id), isouter=True
                    )
                    .where(col(t.Outcome.stage) == FT, col(t.Outcome.verdict) == Verdict.INCLUDE.value)
                ).all()
            )

        def total(stage: str, verdict: str) -> dict[str | None, int]:
            out: dict[str | None, int] = {}
            for (st, v, reason), n in grouped.items():
                if st == stage and v == verdict:
                    out[reason] = out.get(reason, 0) + n
            return out

        def special_count(ids: set[int], stage: str, verdict: str | None) -> dict[str | None, int]:
            """Outcome rows of ``ids`` at ``stage`` with ``verdict`` (None: any final verdict), per reason."""
            out: dict[str | None, int] = {}
            for rid in ids:
                v, reason = special.get(rid, {}).get(stage, (None, None))
                if v is not None and (verdict is None or v == verdict):
                    out[reason] = out.get(reason, 0) + 1
            return out

        def minus(a: dict[str | None, int], b: dict[str | None, int]) -> dict[str | None, int]:
            return {k: a.get(k, 0) - b.get(k, 0) for k in a if a.get(k, 0) - b.get(k, 0)}

        inc, exc = Verdict.INCLUDE.value, Verdict.EXCLUDE.value
        db_total = sum(n for _, kind, n in sources if kind not in ("website", "organisation", "citation"))
        out_of_ta = removed | other | archived
        duplicates = len(removed - other)
        screened = db_total - duplicates
        ta_excluded = sum(total(TA, exc).values()) - sum(special_count(out_of_ta, TA, exc).values())
        ta_included = sum(total(TA, inc).values()) - sum(special_count(out_of_ta, TA, inc).values())
        included_db = {
            rid for rid in not_retrieved - out_of_ta if special.get(rid, {}).get(TA, (None,))[0] == inc
        }
        other_live = other - removed
        automated = 0
        if self.stopped_early():
            with self._read() as conn:
                automated = conn.execute(
                    select(func.count()).select_from(self._unscreened_ta().subquery())
                ).scalar_one()
        out: dict[str, Any] = {
            "sources": sources,
            "duplicates": duplicates,
            "records_screened": screened,
            "records_excluded": ta_excluded,
            "records_excluded_automation": automated,
            "records_undecided": screened - ta_excluded - ta_included - automated,
        }
        not_counted_db = (
            removed | other | not_retrieved | archived
        )  # full-text rows outside the databases arm's assessed set
        for prefix, sought, nr, live in (
            ("reports_", ta_included, included_db, None),
            ("other_reports_", len(other_live), not_retrieved & other_live, other_live),
        ):
            if live is None:
                reasons = minus(total(FT, exc), special_count(not_counted_db, FT, exc))
            else:
                reasons = special_count(live - not_retrieved, FT, exc)
            out[f"{prefix}sought"] = sought
            out[f"{prefix}not_retrieved"] = len(nr)
            out[f"{prefix}assessed"] = sought - len(nr)
            out[f"{prefix}excluded"] = sum(reasons.values())
            out[f"{prefix}reasons"] = reasons
        dropped = removed | not_retrieved
        included = [(rid, st) for rid, st in included_studies if rid not in dropped]
        out["included"] = len(included)
        out["studies"] = len({st for _, st in included})
        decided_ft = (
            sum(total(FT, inc).values())
            + sum(total(FT, exc).values())
            - sum(special_count(dropped, FT, None).values())
        )
        out["reports_undecided"] = out["reports_assessed"] + out["other_reports_assessed"] - decided_ft
        return out
