"""A review's whole life as a hypothesis state machine (issue 12).

Imports (new files, an update overlapping earlier records, the same file again), dedup,
undo of a merge, same/different, two reviewers' decisions and undos, unblinding,
resolutions, changes after unblinding, retrieval, full-text decisions and notes, in any
order. After every step: every decision reported saved is in the log; a record both
reviewers included keeps counting unless a reviewer changed that decision; every PRISMA
check holds; status, PRISMA, the boxes and the exports give the same counts.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from screener.core import prisma as P
from screener.core.models import Author, BibRecord, Stage, Verdict
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import Blind, Blinded, ReopenNeeded, SourceInput, Store, StoreError, open_store
from screener.workflows.dedup import run_dedup
from screener.workflows.exports import decisions_csv, fulltext_exclusions_csv, records_export, resolutions_csv
from screener.workflows.prisma import compute_flow
from screener.workflows.status import review_status

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
REVIEWERS = ("NA", "ZL")
AUTHORS = (Author("Younger", "J"), Author("Mackey", "S"))
TOPICS = [
    "naltrexone in fibromyalgia pain",
    "microglia and opioid antagonists",
    "sleep quality in chronic pain",
    "exercise therapy for widespread pain",
    "duloxetine versus pregabalin",
    "fatigue in lupus patients",
    "cognitive behavioural therapy online",
    "vitamin D and musculoskeletal pain",
]


def _base(n: int) -> BibRecord:
    return BibRecord(
        position=n + 1,
        title=f"A randomised trial of {TOPICS[n]}",
        authors=AUTHORS,
        year=2010 + n,
        journal="Pain Medicine",
        volume=str(10 + n),
        start_page=str(100 + 10 * n),
        doi=f"10.1000/t{n}",
    )


def _update(n: int) -> BibRecord:
    """The same paper as ``_base(n)`` from another database, more complete (PMID, abstract)."""
    b = _base(n)
    return BibRecord(
        position=n + 1,
        title=b.title,
        authors=b.authors,
        year=b.year,
        journal=b.journal,
        volume=b.volume,
        start_page=b.start_page,
        doi=b.doi.upper(),
        pmid=str(2_000_000 + n),  # type: ignore[union-attr]
        abstract=f"Background: {TOPICS[n]}. Methods: randomised. Results: see text.",
    )


FILES = {
    "first": [_base(n) for n in range(0, 5)],
    "second": [_base(n) for n in range(5, 8)],
    "update": [_update(n) for n in (0, 2, 5)] + [_base(7)],
}

_TEMPLATE: dict[str, Path] = {}


def _template() -> Path:
    """A migrated review with its protocol, copied for each example (migrations run once)."""
    if "path" not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="screener-machine-"))
        store = open_store(folder / "template.db", create=True)
        store.init_review(load_protocol(example_dir() / "protocol.toml"))
        store.close()
        _TEMPLATE["path"] = folder / "template.db"
    return _TEMPLATE["path"]


class ReviewLife(RuleBasedStateMachine):
    """One review, driven through the store and the functions the CLI and screens call."""

    #: Where each example's database comes from; the PostgreSQL test replaces it.
    make_url: staticmethod = staticmethod(lambda: "")
    drop_url: staticmethod = staticmethod(lambda url: None)

    def __init__(self) -> None:
        super().__init__()
        self.url = self.make_url()
        self.store: Store = open_store(self.url)
        self.imports = 0
        self.saved: dict[int, tuple[int, str, str, str]] = {}  # decision id -> what was reported saved
        self.votes: dict[tuple[int, str, str], str] = {}  # (record, stage, reviewer) -> current verdict
        self.notes: dict[tuple[int, str, str], str] = {}
        self.checked: tuple[int, ...] = ()  # the review's change token at the last check

    def teardown(self) -> None:
        self.store.close()
        self.drop_url(self.url)

    # -- helpers -----------------------------------------------------------------------

    def _pool(self, stage: Stage) -> list[int]:
        """The records a reviewer screens at a stage: none while the stage before is blind (its pool is hidden)."""
        try:
            return self.store.stage_pool(stage)
        except Blinded:
            assert stage is FT and self.store.is_blind(TA)
            return []

    @staticmethod
    def _pick(items: list[int], n: int) -> int | None:
        return items[n % len(items)] if items else None

    def _decide(
        self, rid: int, stage: Stage, reviewer: str, verdict: Verdict, reasons: tuple[str, ...] = ()
    ) -> None:
        """Decide as a reviewer would: a settled record asks first, and the reviewer confirms."""
        try:
            d = self.store.record_decision(rid, stage, reviewer, verdict, reasons)
        except ReopenNeeded:
            event("a settled decision changed (confirmed reopening)")
            d = self.store.record_decision(rid, stage, reviewer, verdict, reasons, reopen=True)
        except StoreError as exc:
            assert stage is FT and "not retrieved" in str(exc), exc
            event("a not-retrieved report refused a decision")
            return
        self.saved[d.id] = (rid, stage.value, reviewer, verdict.value)
        key = (rid, stage.value, reviewer)
        if verdict is Verdict.RETRACTED:
            self.votes.pop(key, None)
        else:
            self.votes[key] = verdict.value

    # -- rules -------------------------------------------------------------------------

    @initialize(dedup_first=st.booleans())
    def first_search(self, dedup_first: bool) -> None:
        """Every review starts with its first search imported (and usually deduplicated)."""
        self.import_file("first")
        if dedup_first:
            run_dedup(self.store)

    @precondition(lambda self: self.imports < 4)
    @rule(name=st.sampled_from(sorted(FILES)))
    def import_file(self, name: str) -> None:
        """A new file, an update overlapping earlier records, or the same file again (--force)."""
        self.imports += 1
        self.store.add_source(SourceInput(name, f"{name}.ris", uuid.uuid4().hex * 2, "ris"), FILES[name])

    @rule(full=st.booleans())
    def dedup(self, full: bool) -> None:
        if run_dedup(self.store, full=full).joined_screened:
            event("new records joined screened ones")

    @rule(n=st.integers(0, 99), by=st.sampled_from(REVIEWERS))
    def undo_merge(self, n: int, by: str) -> None:
        clusters = self.store.clusters()
        if clusters:
            event("a merge undone")
            self.store.undo_cluster(clusters[n % len(clusters)].id, by)
            run_dedup(self.store, recluster_only=True)

    @rule(a=st.integers(0, 99), b=st.integers(0, 99), same=st.booleans(), by=st.sampled_from(REVIEWERS))
    def same_or_different(self, a: int, b: int, same: bool, by: str) -> None:
        ids = [r.id for r in self.store.records()]
        x, y = self._pick(ids, a), self._pick(ids, b)
        if x is not None and y is not None and x != y:
            self.store.record_pair_decision(x, y, "duplicate" if same else "distinct", by)
            run_dedup(self.store, recluster_only=True)

    @rule(
        n=st.integers(0, 99),
        stage=st.sampled_from([TA, FT]),
        reviewer=st.sampled_from(REVIEWERS),
        verdict=st.sampled_from([Verdict.INCLUDE, Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.MAYBE]),
        reason=st.sampled_from(["E1", "E2", "E3"]),
    )
    def decide(self, n: int, stage: Stage, reviewer: str, verdict: Verdict, reason: str) -> None:
        rid = self._pick(self._pool(stage), n)
        if rid is not None:
            self._decide(rid, stage, reviewer, verdict, (reason,) if verdict is Verdict.EXCLUDE else ())

    @rule(
        stage=st.sampled_from([TA, FT]),
        reviewer=st.sampled_from(REVIEWERS),
        verdicts=st.lists(
            st.sampled_from([Verdict.INCLUDE, Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.MAYBE]),
            min_size=1,
            max_size=8,
        ),
    )
    def screening_session(self, stage: Stage, reviewer: str, verdicts: list[Verdict]) -> None:
        """A reviewer screens the next records of their queue, one key each."""
        mine = {rid for (rid, s, who) in self.votes if s == stage.value and who == reviewer}
        todo = [rid for rid in self._pool(stage) if rid not in mine]
        for rid, verdict in zip(todo, verdicts, strict=False):
            self._decide(rid, stage, reviewer, verdict, ("E2",) if verdict is Verdict.EXCLUDE else ())

    @rule(
        stage=st.sampled_from([TA, FT]),
        verdicts=st.lists(st.sampled_from([Verdict.INCLUDE, Verdict.EXCLUDE]), min_size=1, max_size=8),
    )
    def both_screen(self, stage: Stage, verdicts: list[Verdict]) -> None:
        """Both reviewers screen the next records and agree (as they mostly do)."""
        todo = [
            rid
            for rid in self._pool(stage)
            if not any((rid, stage.value, who) in self.votes for who in REVIEWERS)
        ]
        for rid, verdict in zip(todo, verdicts, strict=False):
            for reviewer in REVIEWERS:
                self._decide(rid, stage, reviewer, verdict, ("E3",) if verdict is Verdict.EXCLUDE else ())

    @rule(n=st.integers(0, 99), stage=st.sampled_from([TA, FT]), reviewer=st.sampled_from(REVIEWERS))
    def undo_decision(self, n: int, stage: Stage, reviewer: str) -> None:
        mine = sorted(rid for (rid, s, who) in self.votes if s == stage.value and who == reviewer)
        rid = self._pick(mine, n)
        if rid is not None:
            self._decide(rid, stage, reviewer, Verdict.RETRACTED)

    @rule(stage=st.sampled_from([TA, FT]))
    def unblind(self, stage: Stage) -> None:
        self.store.unblind(stage, "NA")

    @rule(
        n=st.integers(0, 99),
        stage=st.sampled_from([TA, FT]),
        include=st.booleans(),
        by=st.sampled_from(REVIEWERS),
    )
    def resolve(self, n: int, stage: Stage, include: bool, by: str) -> None:
        if self.store.is_blind(stage):
            return
        rid = self._pick(self.store.conflicts(stage), n)
        if rid is not None:
            event(f"a conflict resolved at {stage.value}")
            self.store.record_resolution(
                rid,
                stage,
                Verdict.INCLUDE if include else Verdict.EXCLUDE,
                by,
                "consensus",
                () if include else ("E1",),
                note=f"resolved by {by}",
            )

    @rule(n=st.integers(0, 99), found=st.booleans(), by=st.sampled_from(REVIEWERS))
    def retrieval(self, n: int, found: bool, by: str) -> None:
        if self.store.is_blind(TA):
            return  # which reports are sought is a title/abstract outcome
        rid = self._pick(self.store.box_ids("reports_sought") or [], n)
        if rid is not None:
            self.store.set_retrieval(
                rid,
                "retrieved" if found else "not-retrieved",
                location="a.pdf" if found else None,
                reason=None if found else "not held",
                by=by,
            )

    @rule(
        n=st.integers(0, 99),
        stage=st.sampled_from([TA, FT]),
        reviewer=st.sampled_from(REVIEWERS),
        text=st.sampled_from(["check dose", "", "ask the lead"]),
    )
    def note(self, n: int, stage: Stage, reviewer: str, text: str) -> None:
        rid = self._pick(self._pool(stage), n)
        if rid is not None:
            self.store.record_note(rid, stage, reviewer, text)
            self.notes[(rid, stage.value, reviewer)] = text

    # -- what must hold after every step ---------------------------------------------------

    @invariant()
    def the_review_holds_together(self) -> None:
        """One snapshot per step, checked three ways (one invariant: the reads are shared).

        A step that changed nothing (its change token is the same) leaves nothing new to check.
        """
        store = self.store
        token = store.change_token()
        if token == self.checked:
            return
        self.checked = token
        # 1. Every decision ever reported saved is in the log, and the current ones are the model's.
        log = {d.id: (d.record_id, d.stage.value, d.reviewer, d.verdict.value) for d in store.decision_log()}
        assert all(log.get(did) == saved for did, saved in self.saved.items())
        for stage in (TA, FT):
            current = {
                (rid, stage.value, who): d.verdict.value
                for (rid, who), d in store.current_decisions(stage).items()
            }
            assert current == {k: v for k, v in self.votes.items() if k[1] == stage.value}
            for reviewer in REVIEWERS:
                assert store.notes(stage, reviewer) == {
                    (rid, who): text
                    for (rid, s, who), text in self.notes.items()
                    if s == stage.value and who == reviewer and text
                }
        # 2. Every PRISMA check holds; the counts, the boxes, status and the exports agree.
        flow = compute_flow(store)
        if flow.blind:
            self.blind_holds(store, flow)
            return
        c = flow.counts
        assert not [m for m in P.check(c) if m.is_error], P.check(c)
        boxes = {
            name: store.box_ids(name) or []
            for name in (
                "records_screened",
                "records_excluded",
                "records_undecided",
                "reports_sought",
                "reports_not_retrieved",
                "reports_excluded",
                "included",
                "reports_undecided",
                "duplicates",
            )
        }
        assert [len(boxes[b]) for b in boxes] == [
            c.records_screened,
            c.records_excluded_human,
            c.undecided_records,
            c.reports_sought,
            c.reports_not_retrieved,
            c.reports_excluded,
            c.new_reports,
            c.undecided_reports,
            c.duplicates,
        ]
        status = review_status(store)
        ta, ft = status.stages
        assert (ta.records, ta.included, ta.excluded, ta.records - ta.decided) == (
            c.records_screened,
            c.reports_sought,
            c.records_excluded_human,
            c.undecided_records,
        )
        assert (
            ft.records,
            ft.not_retrieved,
            ft.included,
            ft.excluded,
            ft.records - ft.decided - ft.not_retrieved,
        ) == (
            c.reports_sought,
            c.reports_not_retrieved,
            c.new_reports,
            c.reports_excluded,
            c.undecided_reports,
        )
        assert status.to_screen == c.records_screened and all(p.decided <= p.pool for p in status.progress)
        assert (
            len(list(csv.DictReader(io.StringIO(records_export(store, "included", "csv"))))) == c.new_reports
        )
        if (
            c.reports_excluded and not ft.blind
        ):  # the exclusions name every reviewer's reasons: refused while blind
            assert (
                len(list(csv.DictReader(io.StringIO(fulltext_exclusions_csv(store))))) == c.reports_excluded
            )
        assert len(list(csv.DictReader(io.StringIO(resolutions_csv(store))))) == len(store.resolution_log())
        if not (ta.blind or ft.blind):
            assert len(list(csv.DictReader(io.StringIO(decisions_csv(store))))) == len(log)
        # 3. A record both reviewers included keeps counting (as its cluster's primary) unless one changed it.
        primary = {m: cl.primary for cl in store.clusters() for m in cl.members}
        sought, included = set(boxes["reports_sought"]), set(boxes["included"])
        not_retrieved = set(boxes["reports_not_retrieved"])
        for stage, counting in ((TA, sought), (FT, included)):
            for rid in {r for (r, s, _) in self.votes if s == stage.value}:
                if not all(self.votes.get((rid, stage.value, who)) == "include" for who in REVIEWERS):
                    continue
                shown = primary.get(rid, rid)
                if stage is FT and (shown in not_retrieved or shown not in sought):
                    continue  # not retrieved is an outcome of its own; an excluded title/abstract ends the path
                assert shown in counting, (stage, rid, shown)

    def blind_holds(self, store: Store, flow: Any) -> None:
        """While a stage is blind: the numbers that depend on no vote are shown and equal their boxes; every
        other box, the status outcomes and the all-reviewer exports are refused with the reason."""
        n = flow.numbers
        for name in ("records_screened", "duplicates"):
            assert n[name] == len(store.box_ids(name) or []), name
        for name in ("records_excluded", "reports_sought", "included", "reports_undecided"):
            blind = store.blinding().box(name)
            assert (blind is None) == (not isinstance(n[name], Blind)), name
            if blind is not None:
                with pytest.raises(Blinded):
                    store.box_ids(name)
            else:
                assert n[name] == len(store.box_ids(name) or []), name
        status = review_status(store)
        for c in status.stages:
            assert (c.blind is None) == (not store.is_blind(c.stage))
            if c.blind:
                assert c.undecided is None and c.included is None
        with pytest.raises(Blinded):
            records_export(store, "included", "csv")
        if any(store.is_blind(d.stage) for d in store.decision_log()):
            with pytest.raises(Blinded):
                decisions_csv(store)


# Shrinking a 30-step review can take longer than the whole run: CI reports the failing steps as found
# (set phases=list(Phase) locally to shrink one).
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


def _sqlite_url_maker(folder: Path):
    def make() -> str:
        path = folder / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(_template(), path)
        return str(path)

    def drop(url: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(url + suffix).unlink(missing_ok=True)

    return make, drop


def test_a_review_s_life_on_sqlite(tmp_path: Path):
    shm = Path("/dev/shm")  # a RAM disk where there is one: the run measures screener, not fsync
    folder = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path
    make, drop = _sqlite_url_maker(folder)
    ReviewLife.make_url, ReviewLife.drop_url = staticmethod(make), staticmethod(drop)
    try:
        run_state_machine_as_test(
            ReviewLife,
            settings=settings(
                max_examples=200,
                stateful_step_count=30,
                deadline=None,
                derandomize=True,
                phases=NO_SHRINK,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_review_s_life_on_postgresql(pg_url: str):
    """A shorter run: each example gets a database copied from a migrated template."""
    template = sa.engine.make_url(pg_url).database
    first = open_store(pg_url, create=True)
    first.init_review(load_protocol(example_dir() / "protocol.toml"))
    first.close()
    admin = sa.create_engine(sa.engine.make_url(pg_url).set(database="test"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # a template database must have no other connection
        conn.exec_driver_sql(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{template}' "
            "AND pid <> pg_backend_pid()"
        )

    def make() -> str:
        name = f"{template}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)

    def drop(url: str) -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')

    ReviewLife.make_url, ReviewLife.drop_url = staticmethod(make), staticmethod(drop)
    try:
        run_state_machine_as_test(
            ReviewLife,
            settings=settings(
                max_examples=8,
                stateful_step_count=20,
                deadline=None,
                derandomize=True,
                phases=NO_SHRINK,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    finally:
        admin.dispose()


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
